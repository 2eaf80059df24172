"""End to end: ``hopscope demo`` on loopback, then everything checked through the store."""

from __future__ import annotations

import json
import shlex
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pytest

from dashboards import open_store
from stack.demo.faults import SLOW_SECONDS, Fault
from stack.launch import SERVICES, free_port
from stack.launch.ports import wait_listening

pytestmark = pytest.mark.slow  # runs the whole demo

DURATION_S = 12  # enough for the fault schedule to go round at least twice at 4/s
Record = Mapping[str, Any]


def _hops(records: Sequence[Record], kind: str, service: str | None = None) -> list[Record]:
    return [
        r
        for r in records
        if r.get("hopscope.hop.kind") == kind and service in (None, r.get("service.name"))
    ]


def _callee_of(client_hop: Record, records: Sequence[Record]) -> Record | None:
    """The server hop the client hop caused: its ``parent.id`` is the client's ``span.id``."""
    for record in _hops(records, "server"):
        if record.get("parent.id") == client_hop["span.id"]:
            return record
    return None


def _is_token_fetch(hop: Record) -> bool:
    """The SDK asking SSO for the gateway's own token (a hop of the payment's chain too)."""
    return hop.get("service.target.name") == "sso" and hop.get("url.path") == "/token"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("demo")
    ports = {name: free_port() for name in SERVICES}
    dashboard_port = free_port()
    argv = [
        sys.executable,
        "-m",
        "stack.cli",
        "demo",
        "--no-browser",
        "--duration",
        str(DURATION_S),
        "--state-dir",
        str(work / "state"),
        "--dashboard-port",
        str(dashboard_port),
    ]
    for name, port in ports.items():
        argv += ["--port", f"{name}={port}"]
    state = work / "state"
    traffic = state / "demo" / "traffic.jsonl"
    demo = subprocess.Popen(
        argv, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # While traffic flows (so everything has started), ask the dashboard for its page.
    dashboard_status = None
    deadline = time.monotonic() + 180
    while demo.poll() is None and not traffic.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    if demo.poll() is None and wait_listening("127.0.0.1", dashboard_port):
        dashboard_status = httpx.get(f"http://127.0.0.1:{dashboard_port}/", timeout=30)
    out, err = demo.communicate(timeout=240)
    done = subprocess.CompletedProcess(argv, demo.returncode, out, err)
    sent = [json.loads(line) for line in traffic.read_text().splitlines()]
    return {
        "done": done,
        "state": state,
        "sent": sent,
        "ports": ports,
        "dashboard": dashboard_status,
    }


def test_demo_runs_and_says_what_runs_where(demo_run: dict[str, Any]) -> None:
    done = demo_run["done"]
    assert done.returncode == 0, done.stderr[-3000:]
    for name, port in demo_run["ports"].items():
        assert name in done.stderr
        assert f"127.0.0.1:{port}" in done.stderr
    assert "payments sent" in done.stderr
    if "│ dashboard" in done.stderr:  # the table lists it: it started and listened
        assert demo_run["dashboard"] is not None
        assert demo_run["dashboard"].status_code == 200


def test_no_line_is_lost(demo_run: dict[str, Any]) -> None:
    """Lines each service wrote (the copy ``hopscope run`` passes through) = its records."""
    logs = demo_run["state"] / "demo" / "logs"
    written = {name: len((logs / f"{name}.log").read_bytes().splitlines()) for name in SERVICES}
    with sqlite3.connect(demo_run["state"] / "hopscope.db") as db:
        stored = dict(db.execute("SELECT service, count(*) FROM records GROUP BY service"))
    assert all(written.values())
    assert stored == written
    summary = json.loads((demo_run["state"] / "demo" / "summary.json").read_text())
    lines = summary["lines"]
    assert lines["by_service"] == written
    assert lines["written"] == sum(written.values())
    assert 0 < lines["in_requests"] <= lines["written"]
    assert lines["stored"] == lines["in_requests"]
    assert f"This run: {lines['written']} lines written" in demo_run["done"].stderr


def test_the_closing_hints_work_in_a_fresh_shell(
    demo_run: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Printed commands run as printed, with the project's environment not on PATH."""
    stderr = demo_run["done"].stderr
    hints = stderr[stderr.index("Explore them again:") :].splitlines()[1:]
    traces = [line.split("#")[0].strip() for line in hints if " trace " in line]
    assert traces, stderr[-2000:]
    fresh = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path_factory.mktemp("home"))}
    done = subprocess.run(
        shlex.split(traces[0]),
        cwd=tmp_path_factory.mktemp("elsewhere"),
        env=fresh,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "payment-gateway" in done.stdout


def test_healthy_payments_cross_every_service_with_complete_chains(
    demo_run: dict[str, Any],
) -> None:
    healthy = [s for s in demo_run["sent"] if s["status"] == 201 and s["fault"] is None]
    assert len(healthy) >= 10
    with open_store(f"sqlite:///{demo_run['state'] / 'hopscope.db'}") as store:
        for sent in healthy:
            records = store.fetch_trace(sent["trace_id"]).records
            assert {r["trace.id"] for r in records} == {sent["trace_id"]}
            (root,) = _hops(records, "server", "payment-gateway")
            assert (root["url.path"], root["http.response.status_code"]) == ("/payments", 201)
            span_ids = {r.get("span.id") for r in records if r.get("hopscope.hop.kind")}
            assert root.get("parent.id") not in span_ids  # the root's caller wrote nothing
            calls = {
                (c["service.target.name"], c["url.path"]): c
                for c in _hops(records, "client", "payment-gateway")
            }
            cart_path = f"/carts/{sent['cart_id']}/verify"
            wanted = {
                ("sso", "/userinfo"),
                ("cart", cart_path),
                ("notifications", "/notifications"),
            }
            assert wanted <= set(calls)
            # on behalf of the user to SSO and the cart, as the gateway itself to notifications
            assert calls["sso", "/userinfo"]["hopscope.hop.as_service"] is False
            assert calls["cart", cart_path]["hopscope.hop.as_service"] is False
            assert calls["notifications", "/notifications"]["hopscope.hop.as_service"] is True
            for call in _hops(records, "client", "payment-gateway"):
                callee = _callee_of(call, records)
                assert callee is not None, f"no server hop for {call['url.path']}"
                assert callee["service.name"] == call["service.target.name"]
                assert callee["service.origin.name"] == "payment-gateway"
                if "http.response.status_code" in call:  # not a timed-out attempt
                    assert (
                        callee["http.response.status_code"] == (call["http.response.status_code"])
                    )


def _fault_traces(demo_run: dict[str, Any], fault: Fault) -> list[dict[str, Any]]:
    chosen = [s for s in demo_run["sent"] if s["fault"] == fault.value]
    assert chosen, f"no request carried the {fault} fault"
    return chosen


def test_faults_show_on_the_right_hops(demo_run: dict[str, Any]) -> None:
    url = f"sqlite:///{demo_run['state'] / 'hopscope.db'}"
    with open_store(url) as store:

        def trace(sent: dict[str, Any]) -> Sequence[Record]:
            return store.fetch_trace(sent["trace_id"]).records

        # On a loaded machine a hop may also time out and be retried: each check looks for
        # the fault's own mark and allows extra attempts around it.
        for sent in _fault_traces(demo_run, Fault.SLOW):
            carts = _hops(trace(sent), "server", "cart")
            assert max(c["event.duration"] for c in carts) >= SLOW_SECONDS * 0.9e9
            assert sent["status"] == 201

        for sent in _fault_traces(demo_run, Fault.ERROR):
            records = trace(sent)
            failed = [
                c
                for c in _hops(records, "server", "cart")
                if c.get("http.response.status_code") == 500
            ]
            assert failed
            assert failed[0]["error.type"].endswith("PricingEngineError")
            (root,) = _hops(records, "server", "payment-gateway")
            assert root["http.response.status_code"] == 502
            assert sent["status"] == 502

        for sent in _fault_traces(demo_run, Fault.TIMEOUT):
            records = trace(sent)
            attempts = sorted(
                (
                    c
                    for c in _hops(records, "client", "payment-gateway")
                    if c["service.target.name"] == "cart"
                ),
                key=lambda c: c["hopscope.hop.attempt"],
            )
            assert [a["hopscope.hop.attempt"] for a in attempts] == list(
                range(1, len(attempts) + 1)
            )
            assert len(attempts) >= 2
            assert attempts[0]["error.type"] == "httpx.ReadTimeout"
            assert attempts[-1]["http.response.status_code"] == 200
            assert len(_hops(records, "server", "cart")) == len(attempts)  # stalled ones too
            assert sent["status"] == 201

        for sent in _fault_traces(demo_run, Fault.EXPIRED_TOKEN):
            records = trace(sent)
            calls = sorted(
                (
                    c
                    for c in _hops(records, "client", "payment-gateway")
                    if c["service.target.name"] == "notifications"
                ),
                key=lambda c: c["hopscope.hop.attempt"],
            )
            statuses = [c.get("http.response.status_code") for c in calls]
            assert statuses[0] == 401
            assert statuses[-1] == 202
            served = [
                h["http.response.status_code"] for h in _hops(records, "server", "notifications")
            ]
            assert 401 in served
            assert 202 in served
            fetches = [c for c in _hops(records, "client") if _is_token_fetch(c)]
            assert fetches  # a new token, asked for in the payment's own chain
            for fetch in fetches:
                callee = _callee_of(fetch, records)
                assert callee is not None
                assert (callee["service.name"], callee["url.path"]) == ("sso", "/token")
                assert callee["service.origin.name"] == "payment-gateway"
                if fetch.get("http.response.status_code") == 200:
                    answer = json.loads(fetch["http.response.body.content"])
                    assert answer["access_token"] == "[REDACTED]"

    with sqlite3.connect(demo_run["state"] / "hopscope.db") as db:
        rows = db.execute(
            "SELECT service, json_extract(doc, '$.\"event.original\"') FROM records "
            "WHERE unstructured = 1"
        ).fetchall()
    malformed = _fault_traces(demo_run, Fault.MALFORMED)
    kept = Counter(service for service, _text in rows)
    assert set(kept) == {"cart"}
    assert kept["cart"] >= len(malformed)  # a retried verification prints it again
    texts = {text for _service, text in rows}
    for sent in malformed:
        assert f"PRICING DEBUG cart={sent['cart_id']} recalculated by legacy engine" in texts


def test_no_token_or_password_reaches_the_store(demo_run: dict[str, Any]) -> None:
    with sqlite3.connect(demo_run["state"] / "hopscope.db") as db:
        leaks = db.execute(
            "SELECT count(*) FROM records WHERE doc LIKE '%eyJ%' OR doc LIKE '%Bearer %' "
            "OR (doc LIKE '%password=%' AND doc NOT LIKE '%password=[REDACTED]%')"
        ).fetchone()[0]
        token_requests = db.execute(
            "SELECT count(*) FROM records WHERE service = 'sso' AND path = '/token'"
        ).fetchone()[0]
    assert token_requests > 0
    assert leaks == 0
