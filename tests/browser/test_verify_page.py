"""The demo's verify pages in headless Chromium, as an employer's phone shows them.

A real ``skillcert serve`` runs on the demo registry (SQLite, as ``make run`` builds it). For a
valid, a revoked and a tampered certificate, in each language, the page is loaded at 360 px wide,
screenshotted, and the verdict a reader sees is checked; a keyboard-wedge scanner is simulated by
typing the verify URL into the search box and pressing Enter.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from registry.service.page_text import TEXT
from schemas.b64 import b64url_decode, b64url_encode
from tests.browser.chromium import Page
from verifier.messages import LANGUAGES

pytestmark = pytest.mark.browser

SKILLCERT = Path(sys.executable).with_name("skillcert")


@dataclass(frozen=True)
class DemoServer:
    base: str
    valid: str
    revoked: str
    valid_jws: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"skillcert serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"skillcert serve did not answer at {url} within {timeout} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SKILLCERT_HOME": str(tmp_path_factory.mktemp("home")),
        "SKILLCERT_PUBLIC_URL": base,
    }
    subprocess.run([SKILLCERT, "init"], env=env, check=True, capture_output=True)
    demo = subprocess.run(
        [SKILLCERT, "demo"], env=env, check=True, capture_output=True, text=True
    ).stdout
    valid = re.search(r"demo verify page: (\S+)", demo)
    revoked = re.search(r"revoked demo certificate: (\S+)", demo)
    assert valid and revoked, demo
    process = subprocess.Popen(
        [SKILLCERT, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(base, process)
        credential = valid.group(1).rsplit("/", 1)[1]
        with urllib.request.urlopen(f"{base}/v1/credentials/{credential}") as response:  # noqa: S310
            jws = re.search(rb'"jws":"([^"]+)"', response.read())
        assert jws
        yield DemoServer(base, valid.group(1), revoked.group(1), jws.group(1).decode("ascii"))
    finally:
        process.terminate()
        process.wait(timeout=10)


def _tampered(jws: str) -> str:
    header, payload, signature = jws.split(".")
    text = b64url_decode(payload).decode("utf-8").replace("陈示范", "陈伪造")
    return f"{header}.{b64url_encode(text.encode('utf-8'))}.{signature}"


def _show(page: Page, url: str, shots: Path, name: str) -> tuple[str, str]:
    """Load ``url`` on a phone-sized page; the verdict's data and its visible text."""
    page.set_viewport(360, 740)
    page.goto(url)
    page.screenshot(shots / f"{name}.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    result = page.evaluate("document.getElementById('result').dataset.result")
    return result, page.text("#result")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_valid_revoked_and_tampered_in_each_language(
    server: DemoServer, page: Page, lang: str, tmp_path: Path
) -> None:
    result, text = _show(page, f"{server.valid}?lang={lang}", tmp_path, "valid")
    assert (result, TEXT["valid"][lang] in text) == ("valid", True)
    assert "陈示范" in page.text("body")
    # Each recognition answer is a long sentence: on a phone it gets the page's width, not
    # what a label column would leave of it.
    answers = "[...document.querySelectorAll('#recognition dd')]"
    widths = page.evaluate(f"{answers}.map(e => e.getBoundingClientRect().width)")
    assert len(widths) == 2 and min(widths) >= 300, widths

    result, text = _show(page, f"{server.revoked}?lang={lang}", tmp_path, "revoked")
    assert (result, TEXT["invalid"][lang] in text) == ("invalid", True)
    assert TEXT["revoked"][lang] in page.text("body")

    forged = f"{server.base}/v?lang={lang}&q={quote(_tampered(server.valid_jws))}"
    result, text = _show(page, forged, tmp_path, "tampered")
    assert (result, TEXT["invalid"][lang] in text) == ("invalid", True)
    assert page.evaluate("document.querySelector('#reasons li').dataset.check") == "signature"
    assert all((tmp_path / f"{name}.png").stat().st_size > 1000 for name in ("valid", "revoked"))


def test_the_language_follows_the_browser(server: DemoServer, page: Page) -> None:
    page.set_accept_language("zh-HK")
    page.goto(server.valid)
    assert page.evaluate("document.documentElement.lang") == "zh-Hant"
    assert TEXT["valid"]["zh-Hant"] in page.text("#result")


def test_a_barcode_scanner_typing_the_url_opens_the_page(server: DemoServer, page: Page) -> None:
    page.goto(f"{server.base}/v/00000000-0000-4000-8000-000000000000?lang=en")
    page.type("#search", server.valid)
    page.press_enter()
    credential = server.valid.rsplit("/", 1)[1]
    page.wait_for(f"location.pathname === '/v/{credential}'")
    page.wait_for("document.getElementById('result') !== null")
    assert page.evaluate("document.getElementById('result').dataset.result") == "valid"
