"""The commands' options and errors: one clear line, no secret, ``--help`` for each."""

from __future__ import annotations

from pathlib import Path

import pytest

from .running import hopscope


@pytest.mark.parametrize(
    "sink",
    [
        "kafka://user:PW-SECRET-1@x:1",  # unknown scheme
        "http://user:PW-SECRET-1@es:port",  # bad port
        "http://TOKEN-SECRET-1@es:9200/?colour=red",  # a token as the user, unknown option
        "sqlite://user:PW-SECRET-1@host/x.db",  # bad SQLite URL
        "sqlite:///x.db?token=TOKEN-SECRET-1",  # unknown option
        "http://es:9200/?sig=SIG-SECRET-1&colour=red",
        "gelf+udp://u:PW-SECRET-1@h:12201?token=TOKEN-SECRET-2",
        "http://u:PW-SECRET-1@[::1",  # an IPv6 host without its closing bracket
        "gelf+tcp://u:PW-SECRET-1@[::1:12201",
    ],
)
def test_sink_url_errors_never_show_a_secret(tmp_path: Path, sink: str) -> None:
    result = hopscope("collect", "-", "--sink", sink, cwd=tmp_path, stdin=b"")
    err = result.stderr.decode()
    assert result.returncode == 2
    assert "bad sink URL" in err
    assert "SECRET" not in err
    assert "***" in err


@pytest.mark.parametrize(
    ("args", "message", "status"),
    [
        (
            ["collect", "-", "--sink", "kafka://x:1"],
            "bad sink URL 'kafka://x:1': unknown scheme",
            2,
        ),
        (["collect", "-", "--sink", "sqlite:///x.db?colour=red"], "unknown option(s)", 2),
        (["collect", "missing.log"], "no such file: missing.log", 2),
        (["collect", "-", "--state-dir", "blocker/state"], "cannot use state directory", 2),
        (["collect", "-", "-"], "can be read only once", 2),
        (["run", "--service", "x"], "no command given", 2),
        (["run", "--", "true"], "--service NAME is required", 2),
        (
            ["run", "--service", "x", "--state-dir", "blocker/s", "--", "true"],
            "cannot use state directory",
            2,
        ),
        (["run", "--service", "x", "--", "no-such-command-here"], "cannot start", 127),
    ],
)
def test_clear_one_line_errors(tmp_path: Path, args: list[str], message: str, status: int) -> None:
    (tmp_path / "blocker").write_text("a file where a directory should be")
    result = hopscope(*args, cwd=tmp_path, stdin=b"")
    err = result.stderr.decode()
    assert result.returncode == status, err
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


@pytest.mark.slow
def test_help_explains_every_option(tmp_path: Path) -> None:
    for command in (["collect"], ["run"], ["deadletters", "list"], ["deadletters", "replay"]):
        result = hopscope(*command, "--help", cwd=tmp_path)
        assert result.returncode == 0
        text = result.stdout.decode()
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("--") and "  " not in stripped:
                # an option alone on its line has its explanation on the next line
                assert text.split(line, 1)[1].strip(), line
    collect_help = hopscope("collect", "--help", cwd=tmp_path).stdout.decode()
    for option in (
        "--follow",
        "--sink",
        "--state-dir",
        "--max-line-bytes",
        "--retain-days",
        "--buffer-max-mb",
        "--format",
    ):
        assert option in collect_help
