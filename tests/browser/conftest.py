"""Browser fixtures: one headless Chromium for the whole test session, a fresh page per test.

Where ``chromium`` is not on PATH the browser tests are skipped, except under ``CI=true``, where
that is a failure: CI must run them. Test modules here set ``pytestmark = pytest.mark.browser``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.browser.chromium import Chromium, Page


def chromium_executable() -> str:
    """The ``chromium`` on PATH; skip the test, or fail it under ``CI=true``, if there is none."""
    executable = shutil.which("chromium")
    if executable is None:
        message = (
            "chromium is not on PATH: install Debian's chromium "
            "(`apt-get install chromium`; `make test` installs it)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return executable


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    with Chromium.launch(chromium_executable()) as browser:
        yield browser


@pytest.fixture
def page(chromium: Chromium) -> Iterator[Page]:
    with chromium.new_page() as page:
        yield page
