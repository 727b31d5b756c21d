"""Drive Debian's Chromium headless over the Chrome DevTools Protocol (CDP), for browser tests.

The tests must exercise the Chromium that Debian ships and ``make test`` installs, not a browser
build downloaded by Playwright or Selenium, so this speaks CDP itself over ``websockets``.

One browser process serves a whole test session; every page gets a browser context of its own,
so cookies, storage and cache never leak from one test into the next. Every wait has a timeout,
and a timeout raises an error saying what was being waited for.

Errors::

    ChromiumError          Chromium failed to start or died, or its connection broke
    ├── ProtocolError      Chromium answered a command with an error
    ├── JavaScriptError    an evaluated expression threw (a missing element, for one)
    ├── NavigationError    a page did not load: a network error, or no load event in time
    └── ChromiumTimeout    a wait ran out (also a built-in ``TimeoutError``)
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

__all__ = [
    "FLAGS",
    "Chromium",
    "ChromiumError",
    "ChromiumTimeout",
    "JavaScriptError",
    "NavigationError",
    "Page",
    "ProtocolError",
]

# --no-sandbox: the tests run as root in containers, where Chromium's sandbox cannot start.
# --remote-debugging-port=0: the kernel picks a free port, so parallel sessions never collide;
# Chromium writes the port it got to DevToolsActivePort in the profile.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--remote-debugging-port=0",
)
_POLL = 0.05
_LOG_TAIL = 2000


class ChromiumError(Exception):
    """Chromium could not be started or reached; the base of every error the harness raises."""


class ProtocolError(ChromiumError):
    """Chromium rejected a command; ``code`` is the CDP (JSON-RPC) error code."""

    def __init__(self, method: str, error: dict[str, Any]) -> None:
        self.method = method
        self.code: int | None = error.get("code")
        super().__init__(f"{method} failed: {error.get('message')} (code {self.code})")


class JavaScriptError(ChromiumError):
    """An expression threw in the page; the message is the exception as the page saw it."""

    def __init__(self, expression: str, description: str) -> None:
        self.expression = expression
        super().__init__(f"{description}\n  while evaluating: {expression}")


class NavigationError(ChromiumError):
    """A page did not load; the message names the URL."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        super().__init__(f"cannot load {url}: {reason}")


class ChromiumTimeout(ChromiumError, TimeoutError):
    """A wait ran out; ``pytest.raises(TimeoutError)`` catches it too."""


class _Connection:
    """One CDP websocket.

    CDP interleaves events with command replies on one socket, so while waiting for the reply
    to command N every event read past is kept, in order, for a later ``wait_event``. A reply
    with another id belongs to a command whose caller already timed out, and is dropped.
    """

    def __init__(self, socket: ClientConnection, closer: ExitStack, timeout: float) -> None:
        self._socket = socket
        self._closer = closer
        self._timeout = timeout
        self._ids = itertools.count(1)
        self._events: deque[dict[str, Any]] = deque()

    @classmethod
    def open(cls, url: str, timeout: float) -> _Connection:
        closer = ExitStack()
        try:
            # As a context manager, which websockets 17 asks for; this one outlives a with block.
            # max_size=None: a full-page screenshot arrives as one message of many megabytes.
            # proxy=None: an HTTP(S)_PROXY in the environment must not capture 127.0.0.1.
            socket = closer.enter_context(
                connect(url, max_size=None, proxy=None, open_timeout=timeout)
            )
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            raise ChromiumError(f"cannot open the DevTools websocket {url}: {exc}") from exc
        return cls(socket, closer, timeout)

    def call(
        self, method: str, params: dict[str, Any] | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send one command and return its result; raise ``ProtocolError`` if it failed."""
        message_id = next(self._ids)
        deadline = time.monotonic() + (self._timeout if timeout is None else timeout)
        try:
            self._socket.send(
                json.dumps({"id": message_id, "method": method, "params": params or {}})
            )
        except ConnectionClosed as exc:
            raise ChromiumError(f"the connection to Chromium closed before {method}") from exc
        while True:
            message = self._receive(deadline, f"the reply to {method}")
            if message.get("id") == message_id:
                if "error" in message:
                    raise ProtocolError(method, message["error"])
                result: dict[str, Any] = message["result"]
                return result
            if "method" in message:
                self._events.append(message)

    def wait_event(
        self, method: str, matches: Callable[[dict[str, Any]], bool], timeout: float
    ) -> dict[str, Any]:
        """Return the params of the first ``method`` event, kept or new, that ``matches``."""
        for event in self._events:
            if event["method"] == method and matches(event["params"]):
                self._events.remove(event)
                kept: dict[str, Any] = event["params"]
                return kept
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(deadline, f"the event {method}")
            if message.get("method") == method and matches(message["params"]):
                params: dict[str, Any] = message["params"]
                return params
            if "method" in message:
                self._events.append(message)

    def discard_events(self) -> None:
        """Forget kept events, which would otherwise pile up for the life of the page."""
        self._events.clear()

    def close(self) -> None:
        self._closer.close()

    def _receive(self, deadline: float, what: str) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ChromiumTimeout(f"timed out waiting for {what}")
        try:
            raw = self._socket.recv(timeout=remaining)
        except TimeoutError:
            raise ChromiumTimeout(f"timed out waiting for {what}") from None
        except ConnectionClosed as exc:
            raise ChromiumError(f"the connection to Chromium closed waiting for {what}") from exc
        message: dict[str, Any] = json.loads(raw)
        return message


class Page:
    """One tab. Obtain it from ``Chromium.new_page``, which closes it again."""

    def __init__(self, connection: _Connection, user_agent: str, timeout: float) -> None:
        self._connection = connection
        self._user_agent = user_agent
        self.timeout = timeout

    def goto(self, url: str, timeout: float | None = None) -> None:
        """Navigate and return once the new document's load event has fired.

        The load event is matched to this navigation by its loader id, so the late load event
        of an earlier document can never be taken for this one.
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        self._connection.discard_events()
        try:
            navigation = self._connection.call("Page.navigate", {"url": url}, timeout)
        except ChromiumTimeout as exc:
            raise NavigationError(url, f"no response within {timeout} s") from exc
        if navigation.get("errorText"):
            raise NavigationError(url, navigation["errorText"])
        loader = navigation.get("loaderId")
        if loader is None:  # Only the fragment changed: same document, no load event to wait for.
            return
        try:
            self._connection.wait_event(
                "Page.lifecycleEvent",
                lambda event: event["name"] == "load" and event["loaderId"] == loader,
                deadline - time.monotonic(),
            )
        except ChromiumTimeout as exc:
            raise NavigationError(url, f"no load event within {timeout} s") from exc

    def set_viewport(self, width: int, height: int, mobile: bool = True) -> None:
        """Emulate a screen in CSS pixels at scale 1, so screenshots measure in CSS pixels.

        ``mobile`` honours ``<meta name="viewport">`` and overlay scrollbars, as a phone does;
        without that meta tag a mobile page is laid out 980 px wide.
        """
        self._connection.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )

    def set_accept_language(self, value: str) -> None:
        """Send ``value`` as Accept-Language from the next request on.

        The user-agent override, unlike extra HTTP headers, also sets ``navigator.languages``
        and needs no Network domain, whose events would pile up unread.
        """
        self._connection.call(
            "Emulation.setUserAgentOverride",
            {"userAgent": self._user_agent, "acceptLanguage": value},
        )

    def evaluate(self, expression: str, timeout: float | None = None) -> Any:
        """Return the expression's value as JSON would carry it; a promise is awaited."""
        reply = self._connection.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout,
        )
        if "exceptionDetails" in reply:
            details = reply["exceptionDetails"]
            exception = details.get("exception", {})
            raise JavaScriptError(expression, exception.get("description") or details["text"])
        return reply["result"].get("value")

    def text(self, selector: str = "body") -> str:
        """The element's text as rendered (``innerText``): hidden text and markup left out."""
        text: str = self.evaluate(f"{_element(selector)}.innerText")
        return text

    def type(self, selector: str, text: str) -> None:
        """Type ``text`` into the element one key at a time, as a USB barcode scanner does.

        A keyboard-wedge scanner is a keyboard to the computer, so each character is a key
        press (keydown, keypress, input, keyup), not one pasted string.
        """
        focused = self.evaluate(
            f"(element => (element.focus(), document.activeElement === element))"
            f"({_element(selector)})"
        )
        if not focused:
            raise ChromiumError(f"{selector!r} cannot take the keyboard focus")
        for character in text:
            self._key("keyDown", key=character, text=character)
            self._key("keyUp", key=character)

    def press_enter(self) -> None:
        """Press Enter in the focused element; in a form's text input that submits the form."""
        enter = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
        self._key("keyDown", text="\r", **enter)
        self._key("keyUp", **enter)

    def wait_for(self, expression: str, timeout: float | None = None) -> Any:
        """Poll ``expression`` until it is truthy and return its value.

        While a navigation swaps documents an expression may throw or find no document to run
        in; that counts as not yet. If time runs out, the error names the last value or error
        seen, the likelier clue to why than a poll cut short by the deadline.
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        last = "no answer from the page"
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                value = self.evaluate(expression, remaining)
            except (JavaScriptError, ProtocolError) as exc:
                last = f"last error: {exc}"
            except ChromiumTimeout:
                break
            else:
                if value:
                    return value
                last = f"last value: {value!r}"
            time.sleep(min(_POLL, max(deadline - time.monotonic(), 0)))
        raise ChromiumTimeout(f"{expression} was not true within {timeout} s ({last})")

    def screenshot(self, path: Path) -> None:
        """Write a PNG of the whole page, beyond the viewport, at one pixel per CSS pixel."""
        size = self._connection.call("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self._connection.call(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": clip},
        )
        path.write_bytes(base64.b64decode(shot["data"]))

    def _key(self, kind: str, **fields: Any) -> None:
        self._connection.call("Input.dispatchKeyEvent", {"type": kind, **fields})


def _element(selector: str) -> str:
    """A JS expression for the element, throwing a message that names the selector if none."""
    literal = json.dumps(selector)
    return (
        f"(document.querySelector({literal})"
        f" ?? (() => {{ throw new Error('no element matches ' + {literal}); }})())"
    )


class Chromium:
    """A headless Chromium process with a throwaway profile; close it, or use it in ``with``."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        home: Path,
        connection: _Connection,
        port: int,
        user_agent: str,
        timeout: float,
    ) -> None:
        self._process = process
        self._home = home
        self._connection = connection
        self._port = port
        self._user_agent = user_agent
        self.timeout = timeout

    @classmethod
    def launch(cls, executable: str = "chromium", timeout: float = 10.0) -> Chromium:
        """Start Chromium and connect to it; ``timeout`` bounds start-up and every later wait."""
        home = Path(tempfile.mkdtemp(prefix="skillcert-chromium-"))
        profile = home / "profile"
        log = home / "chromium.log"
        with log.open("wb") as stderr:
            # A session of its own: the whole process group can be killed if Chromium hangs.
            process = subprocess.Popen(
                [executable, *FLAGS, f"--user-data-dir={profile}"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        try:
            port, path = _active_port(profile / "DevToolsActivePort", process, log, timeout)
            connection = _Connection.open(f"ws://127.0.0.1:{port}{path}", timeout)
            user_agent = connection.call("Browser.getVersion")["userAgent"]
        except BaseException:
            _stop(process, timeout)
            shutil.rmtree(home, ignore_errors=True)
            raise
        return cls(process, home, connection, port, user_agent, timeout)

    @contextmanager
    def new_page(self) -> Iterator[Page]:
        """A fresh tab in a fresh browser context, closed with its context on leaving."""
        context = self._connection.call("Target.createBrowserContext")["browserContextId"]
        try:
            target = self._connection.call(
                "Target.createTarget", {"url": "about:blank", "browserContextId": context}
            )["targetId"]
            connection = _Connection.open(
                f"ws://127.0.0.1:{self._port}/devtools/page/{target}", self.timeout
            )
            try:
                connection.call("Page.enable")
                connection.call("Page.setLifecycleEventsEnabled", {"enabled": True})
                yield Page(connection, self._user_agent, self.timeout)
            finally:
                connection.close()
        finally:
            self._connection.call("Target.disposeBrowserContext", {"browserContextId": context})

    def close(self) -> None:
        """Stop Chromium and delete its profile; safe to call twice."""
        self._connection.close()
        _stop(self._process, self.timeout)
        shutil.rmtree(self._home, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _active_port(
    file: Path, process: subprocess.Popen[bytes], log: Path, timeout: float
) -> tuple[int, str]:
    """Wait for Chromium to write its DevTools port and browser websocket path.

    The file appears once the DevTools server listens, and may be seen before its content is
    written, so only a port followed by a browser path counts.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ChromiumError(
                f"Chromium exited with status {process.returncode} before it listened for "
                f"DevTools; its log ends:\n{_tail(log)}"
            )
        try:
            port, path = file.read_text(encoding="ascii").splitlines()[:2]
            if path.startswith("/devtools/browser/"):
                return int(port), path
        except (FileNotFoundError, ValueError):
            pass
        time.sleep(_POLL)
    raise ChromiumTimeout(
        f"Chromium did not write {file.name} within {timeout} s; its log ends:\n{_tail(log)}"
    )


def _tail(log: Path) -> str:
    return log.read_bytes()[-_LOG_TAIL:].decode("utf-8", "replace")


def _stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM lets Chromium shut its helpers down; if it hangs, SIGKILL its process group."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
