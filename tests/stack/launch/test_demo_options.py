"""What the demo shows of its settings: the store without its password, example traces."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

from stack.launch.console import CHECKOUT, hopscope_command, live_status, store_argument
from stack.launch.options import DemoOptions
from stack.launch.traffic_report import example_traces, sent_so_far


def test_store_is_shown_without_its_password() -> None:
    assert DemoOptions(store="http://elastic:s3cret@es:9200").store_shown == (
        "http://elastic:***@es:9200"
    )
    assert DemoOptions(state_dir=Path("st")).store_shown == "sqlite:///st/hopscope.db"


def test_report_gives_outcomes_and_one_example_per_kind(tmp_path: Path) -> None:
    report = tmp_path / "traffic.jsonl"
    sent = [
        {"trace_id": "a" * 32, "fault": None, "status": 201},
        {"trace_id": "b" * 32, "fault": "slow", "status": 201},
        {"trace_id": "c" * 32, "fault": None, "status": 409},
        {"trace_id": "d" * 32, "fault": None, "status": 201},
        {"trace_id": "e" * 32, "fault": "error", "status": None},
    ]
    report.write_text("".join(json.dumps(s) + "\n" for s in sent) + '{"trace_id": "trunc')
    assert sent_so_far(report) == {"201": 3, "409": 1, "no answer": 1}
    assert example_traces(report) == {"healthy": "a" * 32, "slow": "b" * 32, "error": "e" * 32}
    assert sent_so_far(tmp_path / "missing.jsonl") == {}


def test_hints_name_commands_a_fresh_shell_has(tmp_path: Path) -> None:
    assert hopscope_command(CHECKOUT) == "python3 -m stack hopscope"
    elsewhere = hopscope_command(tmp_path)
    assert elsewhere != "hopscope"
    assert Path(shlex.split(elsewhere)[0]).is_absolute()
    assert store_argument("sqlite:///st/hopscope.db", tmp_path) == (
        f"sqlite:///{tmp_path.resolve()}/st/hopscope.db"
    )
    assert store_argument("sqlite:////abs/h.db", tmp_path) == "sqlite:////abs/h.db"
    assert store_argument("http://elastic:***@es:9200") == "'http://elastic:***@es:9200'"


def test_python3_m_stack_hopscope_runs_from_the_checkout() -> None:
    done = subprocess.run(
        ["python3", "-m", "stack", "hopscope", "trace", "--help"],
        cwd=CHECKOUT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(CHECKOUT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "TRACE_ID" in done.stdout


def test_live_status_names_payments_lines_stored_and_errors() -> None:
    line = live_status({"201": 7, "409": 1, "502": 2, "no answer": 1}, written=40, stored=38)
    assert line == "payments: 11 | request lines stored: 38/40 | errors: 3"
    assert "not counted" in live_status({}, written=3, stored=None)
