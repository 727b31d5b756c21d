"""The browser harness against a tiny local site: language, a barcode scanner's keystrokes, the
phone viewport, screenshots, and every failure raising the harness's error within its timeout."""

from __future__ import annotations

import html
import json
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from tests.browser.chromium import (
    Chromium,
    ChromiumError,
    ChromiumTimeout,
    JavaScriptError,
    NavigationError,
    Page,
    _Connection,
)
from tests.browser.conftest import chromium_executable

pytestmark = pytest.mark.browser

# What a USB barcode scanner reads from a certificate's QR code and types into the search box.
SCANNED = "http://127.0.0.1:8000/v/6f1c2b9e-1234-4abc-9def-0123456789ab"
HEADINGS = {"zh": "证书查验", "en": "Certificate check"}
PAGE = """<!doctype html>
<html lang="{lang}"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<body style="margin: 0">
{body}
"""
HOME = """<h1>{heading}</h1>
<form action="/result"><input name="q" aria-label="certificate link"></form>
<div style="height: 1500px"></div>"""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class _Site(BaseHTTPRequestHandler):
    """``/`` greets in the first language of Accept-Language; ``/result`` shows ``q``."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/":
            language = self.headers.get("Accept-Language", "")
            lang = "zh" if language.lower().startswith("zh") else "en"
            body = HOME.format(heading=HEADINGS[lang])
            self._html(PAGE.format(lang=lang, title=HEADINGS[lang], body=body))
        elif url.path == "/result":
            q = parse_qs(url.query).get("q", [""])[0]
            self._html(PAGE.format(lang="en", title="Result", body=f'<p id="q">{html.escape(q)}'))
        else:
            self.send_error(404)

    def _html(self, document: str) -> None:
        data = document.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines would bury pytest's report."""


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_text_follows_accept_language(page: Page, site: str) -> None:
    page.set_accept_language("zh-Hans")
    page.goto(f"{site}/")
    assert page.text("h1") == "证书查验"
    assert page.evaluate("navigator.language") == "zh-Hans"
    page.set_accept_language("en")
    page.goto(f"{site}/")
    assert page.text("h1") == "Certificate check"
    assert page.text() == "Certificate check"  # the whole body: the input has no text


def test_scanner_typing_then_enter_submits_the_form(page: Page, site: str) -> None:
    page.goto(f"{site}/")
    page.type("input[name=q]", SCANNED)
    assert page.evaluate("document.querySelector('input').value") == SCANNED
    page.press_enter()
    page.wait_for("location.pathname === '/result' && document.readyState === 'complete'")
    assert page.text("#q") == SCANNED


def test_phone_viewport_fits_and_screenshot_is_the_whole_page(
    page: Page, site: str, tmp_path: Path
) -> None:
    page.set_viewport(360, 740)
    page.goto(f"{site}/")
    assert page.evaluate("window.innerWidth") == 360
    assert page.evaluate("document.documentElement.scrollWidth") == 360
    shot = tmp_path / "home.png"
    page.screenshot(shot)
    assert shot.read_bytes().startswith(PNG_SIGNATURE)
    with Image.open(shot) as image:
        image.load()
        assert image.format == "PNG"
        assert image.width == 360
        assert image.height > 1500  # beyond the 740 px viewport: the whole page


def test_goto_a_closed_port_raises_naming_the_url(page: Page) -> None:
    # Bound but not listening: connections are refused, and no one else can take the port.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/v/1"
        started = time.monotonic()
        with pytest.raises(NavigationError, match="ERR_CONNECTION_REFUSED") as raised:
            page.goto(url, timeout=3)
    assert time.monotonic() - started < 3
    assert raised.value.url == url
    assert url in str(raised.value)


def test_wait_for_raises_after_its_timeout(page: Page) -> None:
    started = time.monotonic()
    with pytest.raises(ChromiumTimeout, match=r"not true within 0\.3 s"):
        page.wait_for("document.title === 'never'", timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 1.3


def test_javascript_errors_say_what_failed(page: Page) -> None:
    with pytest.raises(JavaScriptError, match="RangeError: boom"):
        page.evaluate("(() => { throw new RangeError('boom'); })()")
    with pytest.raises(JavaScriptError, match="no element matches #absent"):
        page.text("#absent")
    with pytest.raises(JavaScriptError, match="no element matches input"):
        page.type("input", "x")
    with pytest.raises(TimeoutError, match="TypeError: Cannot read properties of null"):
        page.wait_for("document.querySelector('#late').id", timeout=0.5)


class _Socket:
    """Plays back CDP messages, as Chromium would send them, and records what was sent."""

    def __init__(self, *messages: dict[str, Any]) -> None:
        self.incoming = [json.dumps(message) for message in messages]
        self.sent: list[dict[str, Any]] = []

    def send(self, data: str) -> None:
        self.sent.append(json.loads(data))

    def recv(self, timeout: float) -> str:
        if not self.incoming:
            raise TimeoutError
        return self.incoming.pop(0)


def test_events_read_while_awaiting_a_reply_are_kept_in_order() -> None:
    first = {"method": "Page.lifecycleEvent", "params": {"name": "init"}}
    second = {"method": "Page.lifecycleEvent", "params": {"name": "load"}}
    stale = {"id": 7, "result": {"late": True}}  # for a command whose caller timed out
    wire = _Socket(first, stale, second, {"id": 1, "result": {"frameId": "F"}})
    connection = _Connection(wire, ExitStack(), timeout=1)  # type: ignore[arg-type]
    assert connection.call("Page.navigate", {"url": "about:blank"}) == {"frameId": "F"}
    assert wire.sent == [{"id": 1, "method": "Page.navigate", "params": {"url": "about:blank"}}]
    assert connection.wait_event("Page.lifecycleEvent", lambda e: True, 0) == {"name": "init"}
    assert connection.wait_event("Page.lifecycleEvent", lambda e: True, 0) == {"name": "load"}
    with pytest.raises(ChromiumTimeout, match=r"the event Page\.lifecycleEvent"):
        connection.wait_event("Page.lifecycleEvent", lambda e: True, 0)


def _fake_chromium(directory: Path, script: str) -> str:
    executable = directory / "chromium"
    executable.write_text(f"#!/bin/sh\n{script}\n")
    executable.chmod(0o755)
    return str(executable)


def test_a_browser_that_exits_at_once_is_reported_with_its_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bin_dir, temp = tmp_path / "bin", tmp_path / "tmp"
    bin_dir.mkdir()
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    executable = _fake_chromium(bin_dir, "echo 'no usable display' >&2; exit 3")
    with pytest.raises(ChromiumError, match=r"status 3 (?s:.*)no usable display"):
        Chromium.launch(executable, timeout=5)
    assert list(temp.iterdir()) == []  # the profile is gone


def test_a_hung_browser_is_killed_after_the_timeout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bin_dir, temp = tmp_path / "bin", tmp_path / "tmp"
    bin_dir.mkdir()
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    pid_file = tmp_path / "pid"
    # Deaf to SIGTERM (an ignored signal stays ignored across exec); never writes the port file.
    sleep = f"{sys.executable} -c 'import time; time.sleep(30)'"
    executable = _fake_chromium(bin_dir, f"trap '' TERM; echo $$ > {pid_file}; exec {sleep}")
    started = time.monotonic()
    with pytest.raises(ChromiumTimeout, match=r"did not write DevToolsActivePort within 0\.5 s"):
        Chromium.launch(executable, timeout=0.5)
    assert time.monotonic() - started < 3  # 0.5 s to start, 0.5 s for SIGTERM, then SIGKILL
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)
    assert list(temp.iterdir()) == []


def test_no_chromium_skips_but_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="install Debian's chromium"):
        chromium_executable()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="install Debian's chromium"):
        chromium_executable()
