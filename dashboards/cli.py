"""Commands of the dashboards package (registered into the ``hopscope`` console script).

- ``hopscope trace TRACE_ID [--store URL] [--json] [--skew] [--logs]``: one request's hop
  chain in the terminal.
- ``hopscope logs [WORDS...] [--service NAME] [--level LEVEL] [--since WHEN] [--follow] ...``:
  search, page and follow the stored log lines (:mod:`dashboards.logs_cli`).
- ``hopscope dashboard [--store URL] [--host 127.0.0.1] [--port 8501] [--no-browser]``: the
  Streamlit app; the store URL reaches the app through the ``HOPSCOPE_STORE`` environment
  variable. Without ``--host``, Streamlit's own ``STREAMLIT_SERVER_ADDRESS`` names the
  address (a container sets it to listen on all its interfaces), else 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

from sdk.store import DEFAULT_STORE_URL

_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
#: Streamlit's own variable for the listening address; a command line flag would beat it
ADDRESS_ENV = "STREAMLIT_SERVER_ADDRESS"
DEFAULT_HOST = "127.0.0.1"
_STORE_HELP = (
    "store URL: sqlite:///path.db, http(s)://host:port, opensearch+http://host:port or "
    f"elasticsearch+http://host:port (default: $HOPSCOPE_STORE, else {DEFAULT_STORE_URL})"
)


def register(sub: Any) -> None:
    trace = sub.add_parser(
        "trace",
        help="show one request's hop chain in the terminal",
        description="Rebuild one trace's hop chain from the store and print it as a tree: "
        "service, operation, status, duration, network gap and errors per hop "
        "(* marks the critical path).",
    )
    trace.add_argument("trace_id", metavar="TRACE_ID", help="the 32-hex-digit trace id")
    trace.add_argument("--store", metavar="URL", help=_STORE_HELP)
    trace.add_argument("--json", action="store_true", help="print the tree as nested JSON")
    trace.add_argument(
        "--skew", action="store_true", help="adjust clock skew across hosts (Jaeger's rule)"
    )
    trace.add_argument("--logs", action="store_true", help="show each hop's own log lines")
    trace.set_defaults(run=run_trace)

    from dashboards import logs_cli

    logs_cli.register(sub, _STORE_HELP)

    dashboard = sub.add_parser(
        "dashboard",
        help="open the browser dashboard (Streamlit)",
        description="Run the Streamlit dashboard on the given store. The app reads the "
        "store URL from the HOPSCOPE_STORE environment variable, which this sets.",
    )
    dashboard.add_argument("--store", metavar="URL", help=_STORE_HELP)
    dashboard.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    dashboard.add_argument(
        "--host",
        help=f"address to listen on (default: ${ADDRESS_ENV}, else {DEFAULT_HOST}, this machine "
        "only; 0.0.0.0 serves every interface: the dashboard has no login, so only on a "
        "trusted network)",
    )
    dashboard.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    dashboard.set_defaults(run=run_dashboard)


def run_trace(args: argparse.Namespace) -> int:
    from dashboards.store import StoreError, open_store
    from dashboards.trace_view import render
    from sdk.chain import build_tree, tree_to_json

    trace_id = args.trace_id.strip().lower()
    if not _TRACE_ID.match(trace_id):
        print(
            f"hopscope trace: {args.trace_id!r} is not a trace id (32 hex digits)", file=sys.stderr
        )
        return 2
    try:
        with open_store(args.store) as store:
            fetched = store.fetch_trace(trace_id)
            where = store.url
    except StoreError as exc:
        print(f"hopscope trace: {exc}", file=sys.stderr)
        return 2
    if not fetched.records:
        print(f"hopscope trace: no records of trace {trace_id} in {where}", file=sys.stderr)
        return 1
    tree = build_tree(fetched.records, trace_id=trace_id, adjust_clock_skew=args.skew)
    if args.json:
        sys.stdout.write(tree_to_json(tree))
    else:
        render(tree, sys.stdout, logs=args.logs)
    if fetched.truncated:
        print(
            f"hopscope trace: only the first {len(fetched.records)} records were read",
            file=sys.stderr,
        )
    note = fetched.unindexed_note()
    if note is not None:
        print(f"hopscope trace: {note}", file=sys.stderr)
    return 0


def app_path() -> Path:
    return Path(__file__).with_name("app.py")


def listen_host(host: str | None) -> str:
    """The address to listen on: the option, else Streamlit's variable, else loopback."""
    return host or os.environ.get(ADDRESS_ENV) or DEFAULT_HOST


def dashboard_command(
    store_url: str, port: int, *, browser: bool, host: str = DEFAULT_HOST
) -> tuple[list[str], dict[str, str]]:
    """The ``streamlit run`` command line and environment for the dashboard."""
    from dashboards.store.url import STORE_ENV

    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path()),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "false" if browser else "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    env = {**os.environ, STORE_ENV: store_url}
    return command, env


def run_dashboard(args: argparse.Namespace) -> int:
    from dashboards.store.url import default_store_url

    if not app_path().is_file():
        print(f"hopscope dashboard: the app is missing ({app_path()})", file=sys.stderr)
        return 2
    store_url = args.store or default_store_url()
    command, env = dashboard_command(
        store_url, args.port, browser=not args.no_browser, host=listen_host(args.host)
    )
    # Streamlit takes this process's place: a signal meant for the dashboard (Ctrl-C, the
    # demo's stop) reaches the server itself, and no server outlives a wrapper.
    try:
        os.execve(command[0], command, env)
    except OSError as exc:
        print(f"hopscope dashboard: cannot start Streamlit: {exc}", file=sys.stderr)
    return 2
