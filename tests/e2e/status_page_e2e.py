"""End to end: planbd's read-only status page (GET /, GET /v1/status, GET /v1/history).

    status_page_e2e.py PLANBD SCENARIO ARTIFACT_DIR

The page is loaded in headless Chromium, driven over WebDriver by chromedriver on a loopback port
with nothing but urllib. Chromium's performance log shows every request the page made; each must
go to planbd's own listener. Every process is started here on 127.0.0.1 and stopped by PID; no
test waits by sleeping: each waits on a condition with a deadline.

Exit 77 (skipped) only when chromium or chromedriver is not installed (scripts/setup installs
both)."""

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from world import A_TARGET, B_TARGET, RECORD, World, free_port, wait_for  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage", "--disable-extensions",
                  "--no-default-browser-check", "--hide-scrollbars",
                  "--force-device-scale-factor=1",
                  # Nothing but loopback resolves: Chromium itself cannot leave the host either.
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
WINDOW = (900, 1000)
PAGE_REFRESH = 2.0  # status.js: REFRESH_MS
MAX_DOM_DELAY = 5.0  # the DOM follows a DNS change within this (one refresh, and slack)
MAX_PAGE_BYTES = 100 * 1000


def require_browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        print(f"SKIP: {' and '.join(missing)} not installed (Debian packages chromium and "
              f"chromium-driver; scripts/setup installs them)")
        sys.exit(77)


def request(url, method="GET", body=None, headers=None, timeout=5):
    """(status, headers, body text) of one HTTP request; HTTP errors are answers too."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:
            return reply.status, reply.headers, reply.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


class Browser:
    """chromedriver on a free loopback port and one headless Chromium session."""

    def __init__(self, directory):
        self.dir = directory
        self.port = free_port()
        self.log = open(os.path.join(directory, "chromedriver.log"), "w")
        self.proc = subprocess.Popen([CHROMEDRIVER, f"--port={self.port}",
                                      "--allowed-ips=127.0.0.1"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.session = None
        wait_for("chromedriver to be ready", self.ready, 20, interval=0.1)
        profile = tempfile.mkdtemp(prefix="profile-", dir=directory)
        width, height = WINDOW
        value = self.call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": CHROMIUM_FLAGS + [
                f"--user-data-dir={profile}", f"--window-size={width},{height}"]},
            "goog:loggingPrefs": {"performance": "ALL"}}}}, timeout=60)
        self.session = value["sessionId"]

    def ready(self):
        try:
            return self.call("GET", "/status", timeout=1).get("ready")
        except (OSError, AssertionError):
            return False

    def call(self, method, path, body=None, timeout=30):
        status, _, text = request(f"http://127.0.0.1:{self.port}{path}", method,
                                  json.dumps(body) if body is not None else None,
                                  {"Content-Type": "application/json"}, timeout)
        if status != 200:
            raise AssertionError(f"WebDriver {method} {path}: HTTP {status}: {text[:500]}")
        return json.loads(text)["value"]

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def get(self, url):
        self.s("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def screenshot(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.s("GET", "/screenshot")))
        return path

    def requested_urls(self):
        """Every URL the page asked for so far (Network.requestWillBeSent), from the
        performance log (each read returns what was logged since the previous one)."""
        urls = []
        for entry in self.s("POST", "/se/log", {"type": "performance"}):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def close(self):
        try:
            if self.session:
                self.call("DELETE", f"/session/{self.session}", timeout=20)
        except (OSError, AssertionError):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.log.close()


SERVED = """const n = document.querySelector('[data-record="' + arguments[0] + '"] [data-field="served"]');
return n ? n.dataset.target : null;"""


def text_of(browser, selector):
    return browser.js("const n = document.querySelector(arguments[0]);"
                      "return n && !n.closest('[hidden]') ? n.textContent : null;", selector)


class StatusWorld(World):
    """The e2e world, with status_listen set when `status_port` is given."""

    def __init__(self, binary, status_listen=False, **kwargs):
        self.status_port = free_port() if status_listen else None
        super().__init__(binary, **kwargs)

    def config(self, *args):
        text = super().config(*args)
        if self.status_port:
            text = text.replace("log_level ", f'status_listen   = "127.0.0.1:{self.status_port}"\n'
                                              "log_level ", 1)
        return text

    @property
    def page_port(self):
        return self.status_port or self.metrics_port

    def page(self, path="/", method="GET", body=None):
        return request(f"http://127.0.0.1:{self.page_port}{path}", method, body)

    def status(self):
        code, _, text = self.page("/v1/status")
        assert code == 200, f"GET /v1/status answered {code}"
        return json.loads(text)

    def in_sync(self):
        doc = self.status()
        return all(p["in_sync"] for r in doc["records"] for p in r["providers"]) and doc

    def settle(self):
        """Verdicts in, and every provider serving what it should."""
        self.wait_verdicts()
        wait_for("named to serve vendor A", lambda: self.named.cname() == A_TARGET, 10)
        wait_for("every provider in sync", self.in_sync, 15)


def check_page_headers(headers, what):
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, f"{what}: Content-Security-Policy is {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{what}: CSP {csp!r}"
    assert headers.get("Cache-Control") == "no-store", f"{what}: Cache-Control"
    assert headers.get("X-Content-Type-Options") == "nosniff", f"{what}: X-Content-Type-Options"


def check_self_contained(world):
    """The page's files: no reference to any other host, and under 100 KB together. Returns
    their size."""
    code, headers, html = world.page("/")
    assert code == 200 and headers.get_content_type() == "text/html", f"GET / answered {code}"
    check_page_headers(headers, "GET /")
    total = len(html.encode())
    for path in re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html):
        assert not re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", path, re.I), \
            f"the page refers to {path!r}, outside planbd"
    for asset in ("/status.css", "/status.js"):
        code, headers, text = world.page(asset)
        assert code == 200, f"GET {asset} answered {code}"
        check_page_headers(headers, f"GET {asset}")
        total += len(text.encode())
        assert not re.search(r"https?://|@import|url\(", text), f"{asset} refers outside planbd"
    assert not re.search(r"https?://", html), "the page's HTML names an http(s) URL"
    assert total < MAX_PAGE_BYTES, f"the page is {total} bytes"
    return total


def page_follows_a_failover(world, artifacts):
    require_browser()
    world.settle()
    size = check_self_contained(world)
    print(f"page size: {size} bytes (HTML, CSS and JS together)")
    base = f"http://127.0.0.1:{world.page_port}"
    browser = Browser(world.dir)
    try:
        # Chromium's own start page logs its chrome:// resources: leave it, and forget them.
        browser.get("about:blank")
        browser.requested_urls()
        browser.get(base + "/")
        wait_for("the page to show vendor-a serving", lambda: browser.js(SERVED, RECORD) ==
                 "vendor-a", 15)
        assert "✓ up" in (text_of(browser, '[data-vendor="vendor-a"]') or "")

        changed = {}

        def watch_dns():
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and "dns" not in changed:
                if world.named.cname() == B_TARGET:
                    changed["dns"] = time.monotonic()
                    return
                time.sleep(0.02)

        watcher = threading.Thread(target=watch_dns, daemon=True)
        watcher.start()
        stopped = time.monotonic()
        world.stop_vendor("a")
        seen = wait_for("the page to show vendor-b serving",
                        lambda: browser.js(SERVED, RECORD) == "vendor-b" and time.monotonic(), 30,
                        interval=0.05)
        watcher.join(40)
        assert "dns" in changed, "named never served vendor B"
        delay = seen - changed["dns"]
        print(f"vendor A stopped -> named serves B: {changed['dns'] - stopped:.2f} s; "
              f"DNS change -> DOM shows vendor-b: {delay:.2f} s (page refreshes every "
              f"{PAGE_REFRESH:g} s)")
        assert delay <= MAX_DOM_DELAY, f"the page showed the change {delay:.2f} s after DNS"

        # What an on-call engineer reads, with symbols and words, not only colour.
        wait_for("vendor-a shown down",
                 lambda: "✗ down" in (text_of(browser, '[data-vendor="vendor-a"]') or ""), 10)
        wait_for("the failover in the timeline", lambda: text_of(
            browser, '#timeline-body li[data-type="dns_change"]'), 10)
        card = text_of(browser, f'[data-record="{RECORD}"]')
        assert "failed over" in card and "failover" in card, card
        done = world.ctl("drain", "vendor-a", "--for", "2h", "--reason",
                         "vendor-a down in every region (incident 4711)")
        assert done.returncode == 0, done.stderr
        wait_for("the drain in the overrides", lambda: "incident 4711" in (
            text_of(browser, "#overrides-body") or ""), 10)
        wait_for("the drain in the timeline", lambda: text_of(
            browser, '#timeline-body li[data-type="operator"]'), 10)
        shot = browser.screenshot(os.path.join(artifacts, "status-page-failover.png"))
        print(f"screenshot: {shot}")

        urls = browser.requested_urls()
        assert any(u.startswith(base + "/v1/status") for u in urls), urls
        outside = [u for u in urls if not (u == base or u.startswith(base + "/"))]
        assert not outside, f"the page asked for {outside}, outside planbd's listener {base}"
        print(f"{len(urls)} requests by the page, every one to {base}")

        # planbd stops answering: the page says so, in words.
        assert world.planbd.stop() == 0
        def stale_text():
            text = text_of(browser, "#stale") or ""
            return text if text.startswith("STALE") else None

        stale = wait_for("the page to mark its data stale", stale_text, 3 * PAGE_REFRESH + 5)
        print(f"after planbd stopped, the page says: {stale[:90]}…")
        browser.screenshot(os.path.join(artifacts, "status-page-stale.png"))
    finally:
        browser.close()


def page_is_read_only(world, artifacts):
    world.settle()
    before = world.status()
    history_before = json.loads(world.page("/v1/history")[2])
    order = json.dumps({"record": RECORD, "target": "vendor-b", "force": True, "for": "1h",
                        "reason": "from the status page"})
    for path in ("/", "/v1/status", "/v1/history", "/status.js", "/status.css"):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            code, headers, _ = world.page(path, method, order)
            assert code == 405, f"{method} {path} answered {code}"
            assert headers.get("Allow") == "GET", f"{method} {path}: Allow {headers.get('Allow')}"
    # The admin API's verbs are not on this listener at all.
    for verb in ("failover", "drain", "freeze", "reload", "release", "undrain", "unfreeze"):
        code, _, _ = world.page(f"/v1/{verb}", "POST", order)
        assert code == 404, f"POST /v1/{verb} answered {code}"
    for path in ("/v1/status", "/v1/history?limit=50"):
        code, headers, _ = world.page(path)
        assert code == 200 and headers.get_content_type() == "application/json", path
        check_page_headers(headers, f"GET {path}")
    for bad in ("0", "51", "x", "-1", "1e3"):
        assert world.page(f"/v1/history?limit={bad}")[0] == 400, bad
    # What a write could change; probe verdicts may still move on their own meanwhile.
    def steered(doc):
        return (doc["overrides"], doc["guard"]["local_network_down"],
                [(r["name"], r["served"], r["desired"], r["rule"]) for r in doc["records"]],
                [(t["name"], t["drained"]) for t in doc["targets"]])

    after = wait_for("the steered state to read as before",
                     lambda: (doc := world.status()) and steered(doc) == steered(before) and doc, 5)
    assert not after["overrides"]["pins"] and not after["overrides"]["frozen"]
    assert all(r["served"] == "vendor-a" for r in after["records"])
    assert json.loads(world.page("/v1/history")[2]) == history_before, "the audit log changed"
    assert "from the status page" not in world.ctl("history").stdout
    print("POST, PUT, DELETE and PATCH answer 405 and change nothing")


def status_matches_planbctl(world, artifacts):
    world.settle()

    def same():
        done = world.ctl("--json", "status")
        assert done.returncode == 0, done.stderr
        return world.status() == json.loads(done.stdout)

    # Two reads are two moments: equal as soon as nothing moved in between.
    wait_for("GET /v1/status to equal planbctl --json status", same, 10)
    world.stop_vendor("a")
    wait_for("named to serve vendor B", lambda: world.named.cname() == B_TARGET, 20)
    wait_for("every provider in sync", world.in_sync, 15)
    wait_for("GET /v1/status to equal planbctl --json status after a failover", same, 10)
    print("GET /v1/status is the document planbctl --json status prints")


def status_listen_serves_the_page(world, artifacts):
    world.settle()
    metrics = lambda path: request(f"http://127.0.0.1:{world.metrics_port}{path}")
    code, headers, html = world.page("/")
    assert code == 200 and "planb status" in html, f"GET / on status_listen answered {code}"
    check_page_headers(headers, "GET / on status_listen")
    assert world.page("/v1/status")[0] == 200
    assert world.page("/metrics")[0] == 404, "status_listen serves /metrics"
    code, _, text = metrics("/metrics")
    assert code == 200 and "planb_build_info" in text, f"/metrics on metrics_listen: {code}"
    assert metrics("/healthz")[0] == 200
    assert metrics("/")[0] == 404, "metrics_listen still serves the page with status_listen set"
    assert metrics("/v1/status")[0] == 404
    assert re.search(rf"status page on http://127\.0\.0\.1:{world.status_port}/", world.planbd.log())
    print(f"the page is on status_listen 127.0.0.1:{world.status_port}; /metrics stays on "
          f"metrics_listen 127.0.0.1:{world.metrics_port}")


SCENARIOS = {
    "page_follows_a_failover": (page_follows_a_failover, {}),
    "page_is_read_only": (page_is_read_only, {}),
    "status_matches_planbctl": (status_matches_planbctl, {}),
    "status_listen_serves_the_page": (status_listen_serves_the_page, {"status_listen": True}),
}


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in SCENARIOS:
        sys.exit(f"usage: {sys.argv[0]} PLANBD {{{'|'.join(SCENARIOS)}}} ARTIFACT_DIR")
    binary, scenario, artifacts = sys.argv[1:]
    run, options = SCENARIOS[scenario]
    if scenario == "page_follows_a_failover":
        require_browser()
    world = StatusWorld(binary, **options)
    try:
        run(world, artifacts)
    except BaseException:
        world.failed = True
        raise
    finally:
        code = world.close()
    assert code == 0, f"planbd exited {code} on SIGTERM"
    print(f"{scenario}: passed")


if __name__ == "__main__":
    main()
