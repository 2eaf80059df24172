"""The dashboard's trace page on a large trace: how long a person waits, and how much the
browser is sent.

A trace of ``--hops`` hops (default 10,000: a request fanning out to a cart service
thousands of times, one call failing) is written as JSON lines, shipped with the real
collector (``hopscope collect``) into a SQLite store, then the app (``dashboards/app.py``)
is run under Streamlit's ``AppTest`` on ``?trace=<id>``:

- first view (fetch, rebuild the chain, draw), and a rerun after a click (cached chain);
- with repeated calls folded (the default) and unfolded (paged, 100 rows a page);
- the waterfall's plotly JSON for one page against drawing every hop at once (what a
  viewer without paging sends the browser), and the time to build each;
- ``hopscope trace`` (the terminal view of the same trace) as the baseline.

Median of ``--repeat`` runs each.

    .venv/bin/python benchmarks/dashboard_trace_page.py            # 10,000 hops
    .venv/bin/python benchmarks/dashboard_trace_page.py --quick    # 1,000 hops
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboards import build_tree, open_store  # noqa: E402
from dashboards.store import STORE_ENV  # noqa: E402
from dashboards.trace_view import render  # noqa: E402
from dashboards.ui.figures import waterfall  # noqa: E402
from dashboards.ui.rows import HopIndex, flatten, page_of  # noqa: E402
from tests.dashboards.conftest import T0, TraceBuilder  # noqa: E402

TRACE_ID = "be" * 16
APP = ROOT / "dashboards" / "app.py"


def fan_out(hops: int) -> list[dict[str, Any]]:
    calls = max(hops // 2, 1)
    t = TraceBuilder(TRACE_ID, T0)
    root = t.server("gateway", "/report", 0, calls * 0.2 + 20)
    for n in range(calls):
        start = 5 + n * 0.2
        status = 500 if n == calls // 3 else 200
        call = t.client(
            "gateway", "cart", start, start + 0.15, parent=root, path="/item", status=status
        )
        t.server(
            "cart",
            "/item",
            start + 0.02,
            start + 0.13,
            parent=call,
            status=status,
            error_type="cart.OutOfStock" if status == 500 else None,
        )
    return t.records


def collect(records: list[dict[str, Any]], directory: Path) -> str:
    lines = directory / "services.log"
    lines.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    db = directory / "hopscope.db"
    script = Path(sys.executable).with_name("hopscope")
    subprocess.run(
        [
            str(script),
            "collect",
            str(lines),
            "--sink",
            f"sqlite:///{db}",
            "--state-dir",
            str(directory / "state"),
            "--no-progress",
        ],
        check=True,
        capture_output=True,
    )
    return f"sqlite:///{db}"


def median_ms(run: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def app_views(url: str, fold: bool, repeat: int) -> tuple[float, float]:
    """(first view, rerun) in ms; the first view of each repeat starts with no cache."""
    from streamlit.testing.v1 import AppTest

    from dashboards.ui.data import trace_at

    os.environ[STORE_ENV] = url
    firsts, reruns = [], []
    for _ in range(repeat):
        trace_at.clear()
        app = AppTest.from_file(str(APP), default_timeout=300)
        app.query_params.update({"trace": TRACE_ID, **({} if fold else {"fold": "0"})})
        start = time.perf_counter()
        app.run()
        firsts.append((time.perf_counter() - start) * 1000)
        assert not app.exception, app.exception
        start = time.perf_counter()
        app.run()
        reruns.append((time.perf_counter() - start) * 1000)
    return statistics.median(firsts), statistics.median(reruns)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hops", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1,000 hops, 3 repeats")
    args = parser.parse_args()
    hops, repeat = (1_000, 3) if args.quick else (args.hops, args.repeat)

    with tempfile.TemporaryDirectory() as tmp:
        url = collect(fan_out(hops), Path(tmp))
        store = open_store(url)
        records = store.fetch_trace(TRACE_ID).records
        tree = build_tree(records, trace_id=TRACE_ID)
        index = HopIndex(tree)
        origin = tree.hops[0].adj_start_ns
        every_row = flatten(tree, index, collapse_at=None)
        one_page = page_of(every_row, 100, 1)

        rebuild = median_ms(lambda: build_tree(store.fetch_trace(TRACE_ID).records), repeat)
        terminal = median_ms(lambda: render(build_tree(records), io.StringIO()), repeat)
        page_build = median_ms(lambda: waterfall(one_page, origin).to_json(), repeat)
        all_build = median_ms(lambda: waterfall(every_row, origin).to_json(), repeat)
        page_bytes = len(waterfall(one_page, origin).to_json())
        all_bytes = len(waterfall(every_row, origin).to_json())
        folded_first, folded_rerun = app_views(url, True, repeat)
        paged_first, paged_rerun = app_views(url, False, repeat)
        store.close()

    print(f"trace page, {len(tree.hops):,} hops, {len(records):,} records (median of {repeat})")
    print(f"  fetch + rebuild the chain           {rebuild:9.1f} ms")
    print(f"  hopscope trace (terminal, baseline) {terminal:9.1f} ms")
    print(
        f"  app, folded: first view             {folded_first:9.1f} ms "
        f"({folded_first / terminal:.1f}x terminal)"
    )
    print(f"  app, folded: rerun after a click    {folded_rerun:9.1f} ms")
    print(f"  app, paged:  first view             {paged_first:9.1f} ms")
    print(f"  app, paged:  rerun after a click    {paged_rerun:9.1f} ms")
    print(f"  waterfall, one page of 100 rows     {page_build:9.1f} ms  {page_bytes / 1e3:9.1f} kB")
    print(
        f"  waterfall, every hop at once        {all_build:9.1f} ms  {all_bytes / 1e3:9.1f} kB"
        f"  ({all_bytes / page_bytes:.0f}x the bytes, {all_build / page_build:.0f}x the time)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
