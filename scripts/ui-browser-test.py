#!/usr/bin/env python3
"""The web UI in a real browser (headless Chromium through Selenium), against a running `sluice serve`.

Tests/SluiceCLITests/WebUITests.swift starts the server, submits the runs and calls this script:
    SLUICE_UI_TOKENS=FILE ui-browser-test.py URL RUN_ID VIEWER_RUN_ID GO_FILE SCREENSHOTS_DIR SERVER_PID SLUICE STORE MAP_RUN_ID
The tokens are never on the command line (anyone on the machine can read that in `ps`): FILE is a JSON object
{"admin": ..., "operator": ..., "viewer": ...} readable by its owner only (mode 0600).

    SLUICE_UI_TOKENS=FILE ui-browser-test.py kube URL RUN_ID SCREENSHOTS_DIR
against a server on the Kubernetes backend (KubeSim) whose run RUN_ID has a node `stuck` that no node can take
(FILE needs only "viewer"): its drawer shows the pod, its namespace, no node yet, and the FailedScheduling Event
that says why it is pending.

The scenario: sign in as an operator, open the run, see its step -> node tree, approve its gate by clicking, send
a typed signal, open the running task's drawer, see where it runs (the local backend's process id and attempt folder) and its progress
as the task reports it, follow its log as lines arrive, release the task (GO_FILE),
watch the run finish live; launch a run of a registered flow from the form its inputs make (the flow is
registered here with ADMIN_TOKEN); then as a viewer see a waiting gate without the controls to answer it. No console
errors anywhere. While the viewer's run page is open the server is stopped (SERVER_PID) and started again on the
same port (SLUICE serve --store STORE): the page reconnects with Last-Event-ID and shows every event of the run
once, in order, as the API lists them. MAP_RUN_ID's map node shows its items as counts, and opened, the failed
item first with its retry and error. Screenshots at 1280 px and at phone width go to SCREENSHOTS_DIR. Exits non-zero on a failure.
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 120  # seconds: a guard against hanging on a loaded two-core machine, not a latency bound


def browser(width, height, phone=False):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        options.add_argument(arg)
    if phone:
        # Headless windows are at least 500 px wide: a phone's viewport needs device emulation.
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2}})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


GREET = """name: greet
inputs:
  who: {type: string, default: world}
  times: {type: int, default: 2}
outputs: {greeting: say.message}
tasks:
  say:
    inputs: {who: string, times: int}
    outputs: {message: string}
    command: [sh, -c, "printf '{\\"message\\": \\"hi %s\\"}' {{inputs.who | shell}} > $SLUICE_OUTPUTS"]
nodes:
  - {id: say, task: say, inputs: {who: inputs.who, times: inputs.times}}
"""


def read_tokens(path, names=("admin", "operator", "viewer")):
    """The tokens `names` from a file only its owner may read."""
    mode = os.stat(path).st_mode & 0o777
    if mode & 0o077:
        raise SystemExit(f"{path}: the token file must be readable by its owner only (mode 0600), not {mode:04o}")
    with open(path) as f:
        tokens = json.load(f)
    missing = [k for k in names if not isinstance(tokens.get(k), str) or not tokens[k]]
    if missing:
        raise SystemExit(f"{path}: no {', '.join(missing)} token (expected a JSON object with {', '.join(names)})")
    return tuple(tokens[k] for k in names)


def kube_pending(url, run, shots, viewer):
    """The drawer of a pod no node can take: its pod, namespace, no node, and the FailedScheduling Event."""
    s = Browsing(url, shots)
    driver = browser(1280, 900)
    try:
        s.sign_in(driver, viewer)
        driver.get(f"{url}/#/runs/{run}/nodes/stuck")
        s.wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, "aside.drawer")), "the stuck node's drawer")
        s.text_in(driver, "aside.drawer table.pod-events", "FailedScheduling", "the FailedScheduling Event in the drawer")
        where = driver.execute_script("return document.querySelector('#attempt-where').innerText")
        for expected in ("kubernetes", f"{run}-stuck-1", "default", "not scheduled yet"):
            assert expected in where, f"{expected!r} not in the drawer's attempt details: {where!r}"
        row = driver.execute_script("return [...document.querySelectorAll('table.pod-events tr.warning')].map((r) => r.innerText)")
        assert any("Warning" in r and "FailedScheduling" in r for r in row), f"the warning rows: {row}"
        s.shot(driver, "drawer-kube-pending-1280")
        s.collect_console(driver)
    finally:
        driver.quit()
    if s.console:
        print("console errors:\n" + "\n".join(s.console), file=sys.stderr)
        return 1
    print(json.dumps({"ok": True}))
    return 0


class Browsing:
    """Waiting for what a page shows, screenshots and console errors, against the server at `url`."""
    def __init__(self, url, shots):
        self.url, self.shots = url, shots
        os.makedirs(self.shots, exist_ok=True)
        self.console = []

    def wait(self, driver, condition, what):
        try:
            return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(condition)
        except TimeoutException:
            self.shot(driver, "failure")
            raise AssertionError(f"timed out waiting for {what}; page text:\n{driver.find_element(By.TAG_NAME, 'body').text[:3000]}")

    def click(self, driver, css, what):
        """Clicks what `css` finds, again if the page redrew it between finding and clicking."""
        def attempt(d):
            try:
                d.find_element(By.CSS_SELECTOR, css).click()
                return True
            except StaleElementReferenceException:
                return False
        self.wait(driver, attempt, what)

    def text_in(self, driver, css, text, what):
        # Read in the page: rows are redrawn as the run changes, so element handles go stale.
        script = "return [...document.querySelectorAll(arguments[0])].map((e) => e.innerText)"
        return self.wait(driver, lambda d: any(text in t for t in d.execute_script(script, css)), what)

    def shot(self, driver, name):
        driver.save_screenshot(os.path.join(self.shots, f"{name}.png"))

    def collect_console(self, driver):
        for entry in driver.get_log("browser"):
            if entry.get("level") == "SEVERE":
                self.console.append(entry["message"])

    def sign_in(self, driver, token):
        driver.get(self.url + "/")
        field = self.wait(driver, EC.element_to_be_clickable((By.ID, "token")), "the sign-in form")
        # The token field is reached by keyboard: it has the focus when the page opens.
        assert driver.switch_to.active_element == field, "the token field should have the focus"
        field.send_keys(token + Keys.ENTER)
        self.wait(driver, EC.visibility_of_element_located((By.ID, "who-role")), "the signed-in header")

class Scenario(Browsing):
    """The whole scenario of the module's docstring."""
    def __init__(self, args, tokens):
        (url, self.run, self.viewer_run, self.go_file, shots, pid, self.sluice, self.store, self.map_run) = args
        super().__init__(url, shots)
        self.admin, self.operator, self.viewer = tokens
        self.server_pid = int(pid)
        self.restarted = None

    def call(self, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method="POST" if data is not None else "GET",
                                         headers={"Authorization": "Bearer " + self.admin, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")

    def register(self, flow):
        status, _ = self.call("/api/v1/flows", {"flow": flow})
        assert status == 201, status

    def restart_server(self):
        """Stops the server gracefully (its streams end) and starts another on the same address and store."""
        os.kill(self.server_pid, signal.SIGTERM)
        deadline = time.time() + WAIT
        while True:
            try:
                with open(f"/proc/{self.server_pid}/status") as status:
                    if "zombie" in status.read():
                        break  # exited; the test's Process reaps it
            except FileNotFoundError:
                break
            assert time.time() < deadline, "the server did not stop"
            time.sleep(0.05)
        listen = self.url.removeprefix("http://")
        self.restarted = subprocess.Popen([self.sluice, "serve", "--store", self.store, "--listen", listen],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in self.restarted.stderr:
            if "listening on" in line:
                break
        else:
            raise AssertionError("the restarted server did not listen")

    def operator_flow(self):
        driver = browser(1280, 900)
        try:
            self.sign_in(driver, self.operator)
            assert driver.find_element(By.ID, "who-role").text == "operator"
            self.text_in(driver, "table.runs a", self.run, "the run in the runs list")
            self.shot(driver, "runs-1280")
            driver.find_element(By.LINK_TEXT, self.run).click()
            # The tree: steps with their nodes beneath.
            self.wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-node="review"]'), "node review in the tree")
            steps = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".step-title")]
            assert any("Prepare" in s for s in steps) and any("Ship" in s for s in steps), f"steps shown: {steps}"
            self.text_in(driver, '[data-node="prep"] .state', "succeeded", "prep succeeded")

            # Approve the gate by clicking, with a comment.
            gate = self.wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-gate="review"]')), "the review gate card")
            gate.find_element(By.TAG_NAME, "textarea").send_keys("looks good")
            self.shot(driver, "gate-1280")
            gate.find_element(By.XPATH, ".//button[text()='Approve']").click()
            self.text_in(driver, '[data-node="review"] .state', "succeeded", "review approved (live)")
            self.text_in(driver, '[data-node="review"]', "approved by ui-operator: looks good", "who approved, in the tree")

            # A typed signal: the gate declares int, so the form has a number field.
            signal = self.wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-gate="count"]')), "the count signal form")
            value = signal.find_element(By.CSS_SELECTOR, "input[type=number]")
            value.send_keys("7")
            signal.find_element(By.XPATH, ".//button[text()='Send signal']").click()
            self.text_in(driver, '[data-node="count"] .state', "succeeded", "the signal gate taking 7")

            # Follow the running task's log in its drawer.
            self.text_in(driver, '[data-node="ship"] .state', "running", "ship running")
            self.click(driver, '[data-node="ship"] a.node-id', "the ship node's link")
            self.wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, "aside.drawer pre.log")), "the node drawer")
            self.text_in(driver, "aside.drawer pre.log", "shipping 7 items", "the first log lines")
            self.text_in(driver, "aside.drawer .log-controls", "following", "the log being followed")
            # Where the attempt runs, as the local backend recorded it: its process id and its attempt folder.
            self.text_in(driver, "#attempt-where", "Process id", "the attempt's process id in the drawer")
            where = driver.execute_script("return document.querySelector('#attempt-where').innerText")
            assert "local" in where and "/ship/1" in where, f"the drawer's attempt details: {where!r}"
            _, detail = self.call(f"/api/v1/runs/{self.run}/nodes/ship/attempts/1")
            assert str(detail["process"]["pid"]) in where, f"pid {detail['process']['pid']} not in {where!r}"
            # The task's progress report, applied from the event stream: bar, message and metric.
            self.text_in(driver, '[data-node="ship"] .progress-row', "waiting for the go file", "the task's progress message in the tree")
            self.text_in(driver, '[data-node="ship"] .progress-row', "50%", "the task's progress in the tree")
            self.text_in(driver, "aside.drawer .facts", "waiting for the go file", "the task's progress message in the drawer")
            self.shot(driver, "drawer-1280")
            open(self.go_file, "w").close()
            self.text_in(driver, "aside.drawer pre.log", "shipped", "the log line written after the release")
            # The run finishes live, without a reload.
            self.text_in(driver, ".page-head .state", "succeeded", "the run succeeded")
            self.text_in(driver, ".io", "shipped 7", "the run's outputs")
            self.shot(driver, "run-finished-1280")
            # The drawer closes with Escape and the focus stays on the page.
            driver.find_element(By.CSS_SELECTOR, "aside.drawer").send_keys(Keys.ESCAPE)
            self.wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, "aside.drawer"), "the drawer closed")

            # Launch from a registered flow: the form comes from its inputs, filled in with their defaults.
            self.register(GREET)
            driver.find_element(By.LINK_TEXT, "Flows").click()
            self.text_in(driver, "main table a", "greet", "the registered flow")
            driver.find_element(By.LINK_TEXT, "greet").click()
            who = self.wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, "form.launch input[name=who]")), "the launch form")
            self.wait(driver, lambda d: who.get_attribute("value") == "world", "the default of who")
            times = driver.find_element(By.CSS_SELECTOR, "form.launch input[name=times]")
            assert times.get_attribute("type") == "number" and times.get_attribute("value") == "2", "times is an int field with its default"
            who.clear()
            who.send_keys("Ada")
            self.shot(driver, "launch-1280")
            driver.find_element(By.CSS_SELECTOR, "form.launch button[type=submit]").click()
            self.text_in(driver, ".page-head .state", "succeeded", "the launched run succeeding")
            self.text_in(driver, ".io", "hi Ada", "the launched run's output")
            self.collect_console(driver)
        finally:
            driver.quit()

    def viewer_flow(self):
        driver = browser(390, 844, phone=True)
        try:
            self.sign_in(driver, self.viewer)
            assert driver.find_element(By.ID, "who-role").text == "viewer"
            self.text_in(driver, "table.runs a", self.viewer_run, "the viewer's run in the list")
            self.shot(driver, "runs-phone")
            driver.find_element(By.LINK_TEXT, self.viewer_run).click()
            card = self.wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-gate="review"]')), "the waiting gate for a viewer")
            assert not card.find_elements(By.TAG_NAME, "button"), "a viewer must not see approve/reject buttons"
            assert "operator or admin" in card.text
            assert not driver.find_elements(By.XPATH, "//button[text()='Abort run']"), "a viewer must not see the abort button"
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 400, f"the run page is {width} px wide on a 390 px phone"
            self.shot(driver, "run-phone")

            # The server goes away and comes back: the page resumes its stream after the last event it had.
            self.text_in(driver, ".page-head .live-dot", "live", "the run page's stream")
            self.collect_console(driver)
            self.restart_server()
            self.call(f"/api/v1/runs/{self.viewer_run}/nodes/review/approve", {"comment": "after a restart"})
            self.text_in(driver, ".page-head .state", "succeeded", "the run finishing after the server came back")
            _, page = self.call(f"/api/v1/runs/{self.viewer_run}/events")
            expected = [e["seq"] for e in page["events"]]
            self.wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "ol.feed li")) == len(expected), "every event in the feed")
            shown = [int(x) for x in driver.execute_script("return [...document.querySelectorAll('ol.feed li')].map((e) => e.dataset.seq)")]
            assert list(reversed(shown)) == expected, f"events shown {list(reversed(shown))}, the run's events {expected}"
            # While the server was down the page's reconnection attempts were refused: expected, not an error.
            refused = [e for e in driver.get_log("browser") if "ERR_CONNECTION_REFUSED" not in e["message"] and e.get("level") == "SEVERE"]
            self.console += [e["message"] for e in refused]

            # A map node: counts by state; opened, the failed item comes first, with its earlier attempt.
            driver.get(f"{self.url}/#/runs/{self.map_run}")
            self.text_in(driver, ".page-head .state", "succeeded", "the map run finishing (3 of 4 items suffice)")
            summary = '[data-node="each"] details.items summary'
            self.text_in(driver, summary, "4 items", "the map's item count")
            counts = driver.execute_script("return document.querySelector(arguments[0]).innerText", summary)
            assert "failed 1" in counts and "succeeded 3" in counts, f"map counts: {counts}"
            self.click(driver, summary, "the map's items")
            first = '[data-node="each"] details.items li.node'
            self.wait(driver, lambda d: d.execute_script("const e = document.querySelector(arguments[0]); return e && e.dataset.node", first) == "each[2]",
                      "the failed item listed first")
            self.text_in(driver, first + " .retries", "attempt 1", "the failed item's first attempt")
            self.shot(driver, "map-phone")
            driver.find_element(By.LINK_TEXT, "Flows").click()
            self.text_in(driver, "main h1", "Flows", "the flows page")
            self.collect_console(driver)
        finally:
            driver.quit()


def main():
    path = os.environ.get("SLUICE_UI_TOKENS")
    if len(sys.argv) == 5 and sys.argv[1] == "kube" and path:
        (viewer,) = read_tokens(path, ("viewer",))
        return kube_pending(sys.argv[2], sys.argv[3], sys.argv[4], viewer)
    if len(sys.argv) != 10 or not path:
        print(__doc__, file=sys.stderr)
        return 2
    s = Scenario(sys.argv[1:], read_tokens(path))
    try:
        s.operator_flow()
        s.viewer_flow()
    finally:
        if s.restarted:
            s.restarted.terminate()
            s.restarted.wait()
    if s.console:
        print("console errors:\n" + "\n".join(s.console), file=sys.stderr)
        return 1
    print(json.dumps({"ok": True, "screenshots": sorted(os.listdir(s.shots))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
