"""axe-core (npm, locked in package-lock.json) in the browser tests: WCAG 2.1 A and AA, no rule off.

`check_page(page)` runs axe on the page as it is now and fails listing what it found.
`watch(context, origin)` checks every page of a journey by itself: an init script (which the
page's Content-Security-Policy does not govern, unlike a script tag) carries axe into each
document of our own origin and runs it once the page has loaded; the findings come back
through a binding and `assert_clean` fails the test with them at its end. (A page the test
leaves before axe is done with it is not reported: the journeys' assertions on each page
mostly give axe the time; the view kinds are checked one by one with `check_page`.)
"""

import json
import time
from pathlib import Path

import pytest

from tests.waits import WAIT

AXE_PATH = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# What a violation is reported with: the rule, how bad, where, and axe's own summary.
_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


def axe_source() -> str:
    if not AXE_PATH.exists():
        pytest.fail(f"axe-core is missing: run `npm install` ({AXE_PATH} not found)")
    return AXE_PATH.read_text()


def describe(url: str, violations: list[dict]) -> str:
    lines = [f"{url}:"]
    for v in violations:
        lines.append(f"  {v['rule']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']} — {summary}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def violations_of(page) -> list[dict]:
    # page.evaluate, not add_script_tag: the strict CSP refuses an inline script tag.
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(_RUN, WCAG_TAGS)


def check_page(page, where: str = "") -> None:
    violations = violations_of(page)
    if violations:
        pytest.fail("axe found WCAG 2.1 AA violations\n" + describe(where or page.url, violations))


def wait_until_done(page) -> None:
    """Polls from Python with `evaluate` (a function call, allowed under the app's CSP):
    Playwright's `wait_for_function` evaluates its predicate as a string while polling, which
    a page without 'unsafe-eval' refuses."""
    deadline = time.monotonic() + WAIT
    while not page.evaluate("() => window.__hmsAxeDone === true"):
        if time.monotonic() > deadline:
            pytest.fail("axe did not finish on the page within the wait")
        page.wait_for_timeout(200)


class Watcher:
    """The pages of one browser context that axe has checked, and what it found on them."""

    def __init__(self, origin: str):
        self.origin = origin
        self.checked: list[str] = []
        self.found: list[tuple[str, list[dict]]] = []

    def report(self, source, url: str, violations_json: str) -> None:
        self.checked.append(url)
        violations = json.loads(violations_json)
        if violations:
            self.found.append((url, violations))

    def assert_clean(self, page=None) -> None:
        """Fails with every finding; first waits for axe to finish on the page still open."""
        own_page = "o => location.origin === o"
        if page is not None and page.evaluate(own_page, self.origin):
            wait_until_done(page)
        if self.found:
            pytest.fail(
                "axe found WCAG 2.1 AA violations\n"
                + "\n".join(describe(url, v) for url, v in self.found)
            )


def watch(context, origin: str) -> Watcher:
    watcher = Watcher(origin)
    context.expose_binding("__hmsAxeReport", watcher.report)
    run_on_load = f"""
      // Every page of our own, Django's admin included (static/hms/admin-a11y.js mends its
      // markup where it falls short).
      if (location.origin === {json.dumps(origin)} && window === window.top) {{
        window.addEventListener("load", () => {{
          ({_RUN})({json.dumps(WCAG_TAGS)})
            .then(v => window.__hmsAxeReport(
              location.pathname + location.search, JSON.stringify(v)))
            .finally(() => {{ window.__hmsAxeDone = true; }});
        }});
      }}"""
    context.add_init_script(script=axe_source() + "\n;" + run_on_load)
    return watcher
