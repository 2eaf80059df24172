"""What the demo shows of its settings: the store without its password, example traces."""

from __future__ import annotations

import json
from pathlib import Path

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
