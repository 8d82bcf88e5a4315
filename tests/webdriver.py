"""A small W3C WebDriver client for headless Chromium, over plain HTTP to chromedriver.

Not selenium: selenium pulls in trio, which breaks under the eventlet monkey-patching
the service tests need in the same pytest run. The protocol is a handful of JSON
calls; this speaks the ones the portal's end-to-end tests use.
"""
import shutil
import socket
import subprocess
import tempfile
import time

import requests

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"   # the W3C element reference key
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# Headless, and quiet: this machine's closed network refuses Chromium's background calls.
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--window-size=1280,900"]


class WebDriverError(RuntimeError):
    pass


class PageChanging(WebDriverError):
    """The element went away or is not there yet: the page is being replaced."""


TRANSIENT = ("stale element reference", "no such element")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def until(condition, timeout=10, interval=0.1, what="condition"):
    """Poll ``condition`` until it returns something truthy (a page changes
    asynchronously; this waits for the change, never for a fixed time)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = condition()
        except PageChanging:   # a navigation replaced the page between two calls
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(interval)


class Browser:
    def __init__(self):
        self.port = _free_port()
        self.profile = tempfile.mkdtemp(prefix="sfa-chromium-")
        self.driver = subprocess.Popen([CHROMEDRIVER, f"--port={self.port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        self.http = requests.Session()
        try:
            until(self._driver_ready, timeout=20, what="chromedriver")
            session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": CHROMIUM,
                                       "args": [*ARGS, f"--user-data-dir={self.profile}"]},
            }}})
            self.session = f"/session/{session['sessionId']}"
        except BaseException:
            self.close()
            raise

    def _driver_ready(self):
        try:
            return self.http.get(f"{self.base}/status", timeout=2).json()["value"]["ready"]
        except (requests.RequestException, ValueError, KeyError):
            return False

    def _call(self, method, path, body=None):
        response = self.http.request(method, self.base + path, json=body, timeout=60)
        value = response.json().get("value")
        if response.status_code >= 400:
            error = value.get("error") if isinstance(value, dict) else None
            kind = PageChanging if error in TRANSIENT else WebDriverError
            raise kind(f"{method} {path}: {value}")
        return value

    def _session(self, method, path="", body=None):
        return self._call(method, self.session + path, body)

    def open(self, url):
        self._session("POST", "/url", {"url": url})

    @property
    def url(self):
        return self._session("GET", "/url")

    @property
    def source(self):
        return self._session("GET", "/source")

    def find(self, css):
        return Element(self, self._session("POST", "/element",
                                           {"using": "css selector", "value": css})[ELEMENT])

    def run(self, script, *args):
        """Run JavaScript in the page (for what typing cannot do, like a date input's
        value, whose typed form depends on the browser's locale)."""
        return self._session("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find_all(self, css):
        found = self._session("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self, item[ELEMENT]) for item in found]

    def close(self):
        try:
            if getattr(self, "session", None):
                self._session("DELETE")
        finally:
            self.driver.terminate()
            try:
                self.driver.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.driver.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


class Element:
    def __init__(self, browser, element_id):
        self.browser = browser
        self.path = f"/element/{element_id}"

    def type(self, text):
        self.browser._session("POST", f"{self.path}/value", {"text": text})

    def clear(self):
        self.browser._session("POST", f"{self.path}/clear", {})

    def click(self):
        self.browser._session("POST", f"{self.path}/click", {})

    @property
    def text(self):
        return self.browser._session("GET", f"{self.path}/text")

    def attribute(self, name):
        return self.browser._session("GET", f"{self.path}/attribute/{name}")
