"""``hopscope schema`` prints the shipped schema; ``hopscope lint`` names each bad line and why."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sdk import schema
from stack.cli import main

GOOD = (
    '{"@timestamp":"2026-01-01T00:00:00.000001Z","log.level":"info","message":"m",'
    '"service.name":"cart","hopscope.schema_version":"1","labels.n":1}'
)


def test_schema_prints_the_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    shipped = Path(schema.__file__).with_name("record.schema.json").read_text(encoding="utf-8")
    assert out == shipped
    assert json.loads(out)["properties"]["hopscope.schema_version"]["enum"] == ["1", "2"]


def test_lint_accepts_sdk_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    import sdk

    stream = io.BytesIO()
    sdk.configure(service="cart", stream=stream)
    sdk.get_logger("lint").info("hello", n=1, blob=b"\xff", when={1, 2})
    path = tmp_path / "good.jsonl"
    path.write_bytes(stream.getvalue() + GOOD.encode() + b"\n\n")
    assert main(["lint", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "2 line(s) checked, 0 bad" in captured.err


def test_lint_reports_every_bad_line_with_its_number_and_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        GOOD,
        "not json at all",
        GOOD.replace('"info"', '"INFO"').replace('"labels.n":1', '"labels.n":{"a":1}'),
        "[1, 2]",
        GOOD.replace('"service.name":"cart",', '"color":"red",'),
        GOOD.replace('"labels.n":1', '"http.response.status_code":700,"event.duration":1.5'),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["lint", str(path)]) == 1
    captured = capsys.readouterr()
    report = dict(line.split(": ", 1) for line in captured.out.splitlines())
    assert set(report) == {f"{path}:{n}" for n in (2, 3, 4, 5, 6)}
    assert report[f"{path}:2"].startswith("not JSON")
    assert report[f"{path}:3"] == (
        'log.level: "INFO" is not one of debug, info, warning, error, critical; '
        'labels.n: expected string or number or boolean or null, got object {"a": 1}'
    )
    assert report[f"{path}:4"] == "not a JSON object but array"
    assert report[f"{path}:5"] == (
        "missing required field(s): service.name; unknown field(s) not in schema v2: color"
    )
    assert report[f"{path}:6"] == (
        "http.response.status_code: 700 is not <= 599; "
        "event.duration: expected integer, got number 1.5"
    )
    assert "6 line(s) checked, 5 bad" in captured.err


def test_lint_quiet_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("nope\n", encoding="utf-8")
    assert main(["lint", "--quiet", str(path)]) == 1
    assert capsys.readouterr().out == ""
    assert main(["lint", str(tmp_path / "absent.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_lint_reads_standard_input() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stack.cli", "lint", "-"],
        input=f"{GOOD}\n{{}}\n".encode(),
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout.decode().startswith("<stdin>:2: missing required field(s): @timestamp")
