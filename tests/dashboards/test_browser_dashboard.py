"""The dashboard in a real browser: ``streamlit run`` on loopback (as ``hopscope
dashboard`` starts it) on a store filled by the real collector, driven by Playwright with
Debian's headless Chromium. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from dashboards.cli import dashboard_command
from sdk import schema
from stack.launch.ports import free_port
from tests.dashboards import app_store
from tests.dashboards.conftest import write_sqlite

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Streamlit draws after its websocket connects; generous for a loaded CI machine.
WAIT_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (apt-get install chromium; .ci/run installs it)",
    ),
]


def wait_healthy(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not answer on {base}:\n{log.read_text()}")


@contextmanager
def serving(store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``hopscope dashboard``'s server on *store*, on a free port; its base URL."""
    port = free_port()
    command, env = dashboard_command(store, port, browser=False)
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, server, log)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(app_store.every_store(tmp_path_factory), tmp_path_factory) as base:
        yield base


@pytest.fixture(scope="module")
def logs_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return app_store.logs_store(tmp_path_factory)


@pytest.fixture(scope="module")
def logs_dashboard(logs_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(logs_store, tmp_path_factory) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # Tall: Streamlit scrolls inside its own container, which a screenshot does not unroll.
    context = browser.new_context(viewport={"width": 1400, "height": 2600})
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def open_expander(page: Any, label: str, content: str) -> Any:
    """Click an expander open (again if a rerun redrew it meanwhile); its content."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    shown = page.locator(content).first
    for _ in range(5):
        page.get_by_text(label).click(timeout=WAIT_MS)
        try:
            shown.wait_for(timeout=5_000)
        except PlaywrightTimeout:  # the app redrew the page before the click took
            pass
        else:
            return shown
    pytest.fail(f"the expander {label!r} did not open")


def pick_first_row(page: Any, row: int = 0) -> None:
    """Pick a row (the first) of the first table, once the page's run is over (a click
    during the run may land on a table about to be redrawn)."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(timeout=WAIT_MS)
    wait_idle(page)
    box = grid.bounding_box()
    assert box is not None
    # The grid is a canvas: click the row's selection box (rows of 35 px below the header).
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 35 * row + 17)


def wait_idle(page: Any) -> None:
    """Wait until the app's script run is over (the page drawn is its last word)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=WAIT_MS
    )


def test_a_trace_link_shows_the_waterfall_and_the_failing_hop(dashboard: str, page: Any) -> None:
    page.goto(f"{dashboard}/?trace={app_store.CHECKOUT}")
    page.get_by_text("The request failed. First failing hop:").wait_for(timeout=WAIT_MS)
    waterfall = page.locator('[data-testid="stPlotlyChart"] .main-svg').first
    waterfall.wait_for(timeout=WAIT_MS)
    # Every hop of this chain failed: eight red bars, one per waterfall row.
    bars = page.locator('[data-testid="stPlotlyChart"] .trace.bars .point path')
    bars.first.wait_for(timeout=WAIT_MS)
    assert bars.count() == 8
    assert "rgb(214, 39, 40)" in (bars.first.get_attribute("style") or "")
    failure = page.get_by_text("payments.GatewayTimeout: acquirer did not answer — status 503")
    failure.wait_for(timeout=WAIT_MS)
    page.locator('[data-testid="stGraphVizChart"] svg').first.wait_for(timeout=WAIT_MS)
    assert "trace=" + app_store.CHECKOUT in page.url
    shot = screenshot(page, "dashboard-trace.png")
    assert shot.stat().st_size > 10_000


def test_hostile_log_content_is_shown_as_text(dashboard: str, page: Any) -> None:
    page.goto(f"{dashboard}/?trace={app_store.CHECKOUT}")
    page.get_by_text("Log lines (2)").wait_for(timeout=WAIT_MS)
    records = open_expander(page, "Log records, every field", '[data-testid="stJson"]')
    shown = records.inner_text()
    assert "<script>alert(" in shown
    assert "<img src=x onerror=alert(1)> **bold** [click](http://evil.example)" in shown
    # The log table's cells (glide grid) hold the message as text.
    cell = page.locator('td[role="gridcell"]').filter(has_text="onerror=alert(1)").first
    cell.wait_for(state="attached", timeout=WAIT_MS)
    assert cell.text_content() == app_store.HOSTILE
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator('a[href="http://evil.example"]').count() == 0
    assert page.evaluate("() => window.__hostile_ran === undefined")
    screenshot(page, "dashboard-trace-logs.png")


def test_the_requests_and_services_pages_draw(dashboard: str, page: Any) -> None:
    page.goto(f"{dashboard}/?errors=1")
    page.get_by_text("Requests 1 to 2.").wait_for(timeout=WAIT_MS)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=WAIT_MS)
    screenshot(page, "dashboard-requests.png")
    page.goto(f"{dashboard}/?page=services")
    graph = page.locator('[data-testid="stGraphVizChart"] svg').first
    graph.wait_for(timeout=WAIT_MS)
    assert "payments" in (graph.text_content() or "")
    screenshot(page, "dashboard-services.png")


def test_clicking_a_waterfall_bar_opens_that_hop(dashboard: str, page: Any) -> None:
    page.goto(f"{dashboard}/?trace={app_store.CHECKOUT}")
    bars = page.locator('[data-testid="stPlotlyChart"] .trace.bars .point path')
    bars.first.wait_for(timeout=WAIT_MS)
    wait_idle(page)  # a click during the run may land on a chart about to be redrawn
    # Plotly listens on its drag layer above the bars: click where the bar is.
    bars.nth(2).click(force=True)  # rows: gateway, gateway -> orders, orders, ...
    cell = page.locator('td[role="gridcell"]').filter(has_text="reserving stock").first
    cell.wait_for(state="attached", timeout=WAIT_MS)
    page.wait_for_url("**hop=*", timeout=WAIT_MS)
    screenshot(page, "dashboard-trace-hop.png")


def test_a_10000_hop_trace_stays_usable(dashboard: str, page: Any) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{dashboard}/?trace={app_store.LARGE}&fold=0")
    bars = page.locator('[data-testid="stPlotlyChart"] .trace.bars .point path')
    bars.first.wait_for(timeout=WAIT_MS)
    # One page of rows, opened where the failure is; the failing hop shown in detail.
    assert bars.count() == 100
    wait_idle(page)  # the URL is written when the run is over
    failing_row = 2 + app_store.LARGE_FAILING_CALL * 2 + 1
    assert f"wpage={failing_row // 100 + 1}" in page.url
    page.get_by_text("cart.OutOfStock: item 1234 is gone — status 500").wait_for(timeout=WAIT_MS)
    screenshot(page, "dashboard-large-unfolded.png")
    page.goto(f"{dashboard}/?trace={app_store.LARGE}")
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=WAIT_MS)
    page.get_by_text(f"\u00d7 {app_store.LARGE_CALLS} calls to cart GET /item").first.wait_for(
        timeout=WAIT_MS
    )
    screenshot(page, "dashboard-large-folded.png")
    assert errors == []


def test_picking_a_request_row_opens_its_trace(dashboard: str, page: Any) -> None:
    page.goto(f"{dashboard}/?errors=1&method=POST")
    page.get_by_text("Requests 1 to 1.").wait_for(timeout=WAIT_MS)
    pick_first_row(page)
    page.get_by_text("The request failed. First failing hop:").wait_for(timeout=WAIT_MS)
    wait_idle(page)  # the URL is written when the run is over
    assert f"trace={app_store.CHECKOUT}" in page.url
    assert "page=trace" in page.url


def test_back_and_forward_move_between_the_list_and_a_trace(dashboard: str, page: Any) -> None:
    listed = page.get_by_text("Requests 1 to 1.")  # the filters below match one request
    failed = page.get_by_text("The request failed. First failing hop:")
    page.goto(f"{dashboard}/?errors=1&method=POST")
    listed.wait_for(timeout=WAIT_MS)
    pick_first_row(page)
    failed.wait_for(timeout=WAIT_MS)
    wait_idle(page)
    trace_url = page.url
    assert f"trace={app_store.CHECKOUT}" in trace_url

    page.go_back()
    listed.wait_for(timeout=WAIT_MS)
    wait_idle(page)
    # The list stays (the app does not write the trace view back over the entry).
    assert failed.count() == 0
    assert listed.is_visible()
    assert "page=trace" not in page.url
    assert "errors=1" in page.url
    assert "method=POST" in page.url
    screenshot(page, "dashboard-history-back.png")

    page.go_forward()
    failed.wait_for(timeout=WAIT_MS)
    wait_idle(page)
    assert listed.count() == 0
    assert failed.is_visible()
    assert page.url == trace_url
    screenshot(page, "dashboard-history-forward.png")


def grid_cell(page: Any, text: str) -> Any:
    """The table cell holding *text* (the grid keeps its cells as text in the page)."""
    cell = page.locator('td[role="gridcell"]').filter(has_text=text).first
    cell.wait_for(state="attached", timeout=WAIT_MS)
    return cell


def test_the_logs_page_shows_lines_as_text_and_opens_a_line_s_trace(
    logs_dashboard: str, page: Any
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{logs_dashboard}/?page=logs&services=payments&level=warning")
    page.get_by_text("Lines 1 to 4, newest first.").wait_for(timeout=WAIT_MS)
    # The traceback the service printed, an unstructured line: its message, literally.
    crash = grid_cell(page, "settlement <script>")
    assert crash.text_content() == app_store.CRASH.splitlines()[-1]
    assert grid_cell(page, "onerror=alert(1)").text_content() == app_store.HOSTILE
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=WAIT_MS)
    # Rows, newest first: the traceback, the latency warning, then the hostile line.
    pick_first_row(page, row=2)
    page.get_by_role("button", name="Open its trace").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    assert "line=" in page.url
    assert "services=payments" in page.url
    detail = page.locator('[data-testid="stCode"]').filter(has_text="payments warning:").first
    assert app_store.HOSTILE in (detail.text_content() or "")
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator('a[href="http://evil.example"]').count() == 0
    assert page.evaluate("() => window.__hostile_ran === undefined")
    shot = screenshot(page, "dashboard-logs.png")
    assert shot.stat().st_size > 10_000
    page.get_by_role("button", name="Open its trace").click()
    page.get_by_text("The request failed. First failing hop:").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    assert f"trace={app_store.CHECKOUT}" in page.url
    assert "page=trace" in page.url
    assert "hop=" in page.url
    # The hop that wrote the line is the one shown: its log lines hold the line.
    assert grid_cell(page, "onerror=alert(1)").text_content() == app_store.HOSTILE
    screenshot(page, "dashboard-logs-trace.png")
    assert errors == []


def test_the_live_logs_page_shows_a_new_line_without_a_reload(
    logs_dashboard: str, logs_store: str, page: Any
) -> None:
    page.goto(f"{logs_dashboard}/?page=logs&live=1&words=settled")
    page.get_by_text("No line matches these filters.").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    record = {
        "@timestamp": "2026-11-25T12:00:10Z",
        "log.level": "info",
        "message": "ledger settled batch 7",
        "service.name": "ledger",
        "hopscope.schema_version": schema.SCHEMA_VERSION,
    }
    write_sqlite(Path(logs_store.removeprefix("sqlite:///")), [record])
    cell = grid_cell(page, "ledger settled batch 7")
    assert cell.text_content() == "ledger settled batch 7"
    assert "live=1" in page.url
    screenshot(page, "dashboard-logs-live.png")
