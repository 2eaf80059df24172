"""``hopscope logs`` through the real console-script front: every option, the exit
statuses, colour on a terminal only, ``--json`` accepted by ``hopscope lint``, and
``--follow`` against a collector writing into the store."""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from dashboards.logs_cli import moment
from dashboards.logs_view import shown
from dashboards.records import format_ns
from sdk.schema import lint_lines
from stack.cli import main
from tests.dashboards.log_lines import (
    CART,
    ENTRIES,
    PAYMENTS,
    SECOND,
    TRACE_B,
    Entry,
    all_records,
    collected,
    write_sqlite_lines,
)

HOPSCOPE = [sys.executable, "-m", "stack.cli"]


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("logs-cli") / "hopscope.db"
    write_sqlite_lines(path)
    return f"sqlite:///{path}"


def logs(store_url: str, capsys: Any, *args: str) -> tuple[int, list[str], str]:
    code = main(["logs", "--store", store_url, *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def messages(out: list[str]) -> list[str]:
    """The message column of plain output lines (continuation lines left out)."""
    return [re.split(r"\s{2,}", line)[3] for line in out if not line.startswith(" ")]


def plain(entries: list[Any]) -> list[str]:
    """What the message column shows of *entries* (a raw text's first line; escaped)."""
    return [
        shown(e.message if not e.unstructured else (e.text or "").split("\n")[0]) for e in entries
    ]


def by_time(entries: list[Any]) -> list[Any]:
    return sorted(entries, key=lambda e: e.ns)


LINES = by_time([e for e in ENTRIES if not e.hop])


def test_words_service_level_and_since(store_url: str, capsys: Any) -> None:
    since = format_ns(CART[2].ns)
    code, out, err = logs(
        store_url, capsys, "card", "--service", "cart", "--level", "warning", "--since", since
    )
    assert code == 0, err
    assert messages(out) == ["card declined by bank"]
    line = out[0]
    assert line.startswith(format_ns(CART[5].ns) + "  cart")
    assert "ERROR" in line
    assert line.endswith(f"trace={TRACE_B}")
    assert "\x1b[" not in line  # piped: no colour


def test_the_newest_lines_printed_oldest_first(store_url: str, capsys: Any) -> None:
    code, out, _ = logs(store_url, capsys)
    assert code == 0
    assert messages(out) == plain(LINES)


def test_a_phrase_and_several_services(store_url: str, capsys: Any) -> None:
    code, out, _ = logs(store_url, capsys, "card declined", "--service", "payments")
    assert code == 1
    assert out == []
    code, out, _ = logs(
        store_url, capsys, "declined card", "--service", "payments", "--service", "cart"
    )
    assert (code, messages(out)) == (0, ["declined card retried"])


def test_no_match_exits_1_as_grep_does(store_url: str, capsys: Any) -> None:
    code, out, err = logs(store_url, capsys, "nowhere")
    assert (code, out, err) == (1, [], "")


def test_until_and_durations(store_url: str, capsys: Any) -> None:
    code, out, _ = logs(store_url, capsys, "--until", format_ns(CART[2].ns))
    assert messages(out) == plain([e for e in LINES if e.ns < CART[2].ns])
    # the fixture's lines are days old: a recent window finds none of them
    code, out, _ = logs(store_url, capsys, "--since", "15m")
    assert (code, out) == (1, [])
    now = 1_000 * SECOND
    assert moment("15m", "--since", now) == now - 900 * SECOND
    assert moment("2h", "--since", now) == now - 7200 * SECOND
    assert moment("1d", "--since", now) == now - 86_400 * SECOND


def test_fields_and_trace(store_url: str, capsys: Any) -> None:
    _, out, _ = logs(store_url, capsys, "--field", "labels.tenant=acme")
    assert messages(out) == ["payment timeout after 3 tries", PAYMENTS[4].message]
    _, out, _ = logs(
        store_url,
        capsys,
        *("--field", "http.response.status_code=502", "--field", "labels.tenant=acme"),
    )
    assert messages(out) == ["payment timeout after 3 tries"]
    _, out, _ = logs(store_url, capsys, "--trace", TRACE_B.upper())
    assert messages(out) == plain(by_time([e for e in LINES if e.trace == TRACE_B]))
    _, out, _ = logs(store_url, capsys, "--trace", TRACE_B, "--hops")
    assert "server hop" in messages(out)


def test_unstructured_lines_show_raw_text_and_reason(store_url: str, capsys: Any) -> None:
    code, out, _ = logs(store_url, capsys, "--unstructured")
    assert code == 0
    assert messages(out) == plain([e for e in LINES if e.unstructured])
    traceback = out.index(next(line for line in out if "Traceback" in line))
    assert out[traceback].endswith("[unstructured: not JSON]")
    assert out[traceback + 1 : traceback + 4] == [
        '      File "cart/app.py", line 12, in checkout',
        "        total = basket.total()",
        "    KeyError: 'sku'",
    ]
    assert any("[unstructured: not valid against schema v2: missing" in line for line in out)


def test_hops_are_left_out_unless_asked(store_url: str, capsys: Any) -> None:
    _, out, _ = logs(store_url, capsys)
    assert "server hop" not in messages(out)
    _, out, _ = logs(store_url, capsys, "--hops")
    assert messages(out).count("server hop") == 2


def test_limit_and_paging(store_url: str, capsys: Any) -> None:
    _, out, err = logs(store_url, capsys, "--limit", "4")
    assert messages(out) == plain(LINES[-4:])
    token = err.split("--page ")[1].split()[0]
    _, out, err = logs(store_url, capsys, "--limit", "4", "--page", token)
    assert messages(out) == plain(LINES[-8:-4])
    seen = 8
    while "--page" in err:
        token = err.split("--page ")[1].split()[0]
        _, out, err = logs(store_url, capsys, "--limit", "4", "--page", token)
        seen += len(messages(out))
    assert seen == len(LINES)


def test_context_shows_the_lines_around_each_match(store_url: str, capsys: Any) -> None:
    code, out, _ = logs(store_url, capsys, "declined", "--context", "1")
    assert code == 0
    # payments' match first (older), then cart's; a match is marked with '>'
    assert out[0].startswith("  ")
    assert "card network timeout" in out[0]
    assert out[1].startswith("> ")
    assert "declined card retried" in out[1]
    assert "server hop" in out[2]  # context lines include hops
    assert out[3] == "--"
    assert out[4].startswith("  ")
    assert "Traceback (most recent call last):" in out[4]
    assert out[7] == "      KeyError: 'sku'"  # a raw text's lines, under the mark's column
    assert out[8].startswith("> ")
    assert "card declined by bank" in out[8]
    assert out[9].startswith("  ")
    assert "cache miss for card" in out[9]
    assert len(out) == 10


def test_json_is_each_record_as_stored_and_lints(store_url: str, capsys: Any) -> None:
    code, out, _ = logs(store_url, capsys, "--json", "--hops")
    assert code == 0
    stored = {r.id: r.doc for r in all_records()}
    docs = [orjson.loads(line) for line in out]
    assert len(docs) == len(ENTRIES)
    for doc in docs:
        assert doc == stored[doc["hopscope.record.id"]]
    report = lint_lines(line.encode() for line in out)
    assert (report.checked, report.problems) == (len(ENTRIES), [])


def test_control_characters_are_shown_escaped(store_url: str, capsys: Any) -> None:
    _, out, _ = logs(store_url, capsys, "bell")
    assert out[0].endswith("bell \\x07 then \\x1b[2J clear")


def test_columns_line_up_whatever_the_service_name(tmp_path: Path, capsys: Any) -> None:
    from collector.sinks.sqlite import SqliteSink

    names = ["sso", "notifications", "payment-gateway", "inventory-reservations"]
    sink = SqliteSink(tmp_path / "hopscope.db")
    try:
        for at, name in enumerate(names):
            entry = Entry(at, f"hello from {name}", name, "warning")
            sink.write(collected([entry], f"/var/log/{name}.log", name))
    finally:
        sink.close()
    code, out, _ = logs(f"sqlite:///{tmp_path / 'hopscope.db'}", capsys)
    assert code == 0
    assert len(out) == len(names)
    assert len({line.index("WARNING") for line in out}) == 1, out
    assert len({line.index("hello from") for line in out}) == 1, out
    assert [line.split()[1] for line in out] == [*names[:3], "inventory-rese…"]


def test_control_characters_in_a_service_name_are_shown_escaped(
    tmp_path: Path, capsys: Any
) -> None:
    from collector.sinks.sqlite import SqliteSink

    sink = SqliteSink(tmp_path / "hopscope.db")
    try:
        entry = Entry(0, "hello", "\x1b[2Jx", "warning")
        sink.write(collected([entry], "/var/log/x.log", "x"))
    finally:
        sink.close()
    code, out, _ = logs(f"sqlite:///{tmp_path / 'hopscope.db'}", capsys)
    assert code == 0
    assert "\x1b" not in out[0]
    assert out[0].split()[1] == "\\x1b[2Jx"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since 'yesterday' is neither a duration"),
        (["--until", "2026-13-01T00:00:00Z"], "--until '2026-13-01T00:00:00Z' is neither"),
        (["--field", "labels.tenant"], "--field 'labels.tenant': use NAME=VALUE"),
        (["--field", "no.such=1"], "unknown field 'no.such'"),
        (["--field", "http.response.status_code=five"], "takes a integer"),
        (["--trace", "xyz"], "--trace 'xyz' is not a trace id"),
        (["--limit", "0"], "--limit must be at least 1"),
        (["--context", "-1"], "--context must be 0 or more"),
        (["--since", "1h", "--until", "2h"], "the time range is empty"),
        (["--page", "garbage!"], "bad page cursor"),
        (["!!"], "'!!' has no word to search for"),
        (["--follow", "--until", "1h"], "--follow shows new lines"),
    ],
)
def test_bad_queries_exit_2_saying_what_is_wrong(
    store_url: str, capsys: Any, args: list[str], message: str
) -> None:
    code, out, err = logs(store_url, capsys, *args)
    assert (code, out) == (2, [])
    assert err.startswith("hopscope logs: ")
    assert message in err


def test_bad_level_and_bad_store_exit_2(tmp_path: Path, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["logs", "--level", "loud"])
    assert exited.value.code == 2
    assert "invalid choice: 'loud'" in capsys.readouterr().err
    code = main(["logs", "--store", f"sqlite:///{tmp_path / 'none.db'}"])
    assert code == 2
    assert "no hopscope store at" in capsys.readouterr().err


def test_colour_by_level_on_a_terminal(store_url: str) -> None:
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    done = subprocess.run(
        [*HOPSCOPE, "logs", "--store", store_url, "timeout"],
        stdout=follower,
        stderr=subprocess.PIPE,
        timeout=60,
        env=env,
        check=False,
    )
    os.close(follower)
    shown = _read_all(leader).decode()
    assert done.returncode == 0, done.stderr
    assert "\x1b[1;31mCRITICAL" in shown
    assert "\x1b[33mWARNING" in shown
    assert "card network timeout" in shown


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


class Lines:
    """What a process prints, read as it comes."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        os.set_blocking(stream.fileno(), False)
        self.seen: list[str] = []
        self._buffer = b""

    def wait_for(self, text: str, seconds: float = 60) -> None:
        """Until a line holding *text* was printed (fails after *seconds*)."""
        deadline = time.monotonic() + seconds
        while not any(text in line for line in self.seen):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not printed; got {self.seen}")
            chunk = self.stream.read()
            if chunk:
                self._buffer += chunk
                *done, self._buffer = self._buffer.split(b"\n")
                self.seen += [line.decode() for line in done]
            else:
                time.sleep(0.05)


def test_follow_prints_what_the_collector_stores_until_ctrl_c(tmp_path: Path) -> None:
    log = tmp_path / "cart.log"
    now = time.time_ns()
    record = {
        "log.level": "warning",
        "service.name": "cart",
        "hopscope.schema_version": "1",
    }

    def line(message: str, at: int) -> bytes:
        return orjson.dumps({"@timestamp": format_ns(at), "message": message, **record}) + b"\n"

    log.write_bytes(line("first line", now))
    store = tmp_path / "hopscope.db"
    collector = subprocess.Popen(
        [
            *HOPSCOPE,
            "collect",
            str(log),
            "--follow",
            "--sink",
            f"sqlite:///{store}",
            "--state-dir",
            str(tmp_path / "state"),
            "--service",
            "cart",
            "--no-progress",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    follower = None
    try:
        deadline = time.monotonic() + 60
        while not store.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        follower = subprocess.Popen(
            [*HOPSCOPE, "logs", "--follow", "--store", f"sqlite:///{store}", "--service", "cart"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert follower.stdout is not None
        printed = Lines(follower.stdout)
        printed.wait_for("first line")
        with log.open("ab") as handle:
            handle.write(line("second line", time.time_ns()))
            handle.write(b"plain text from cart\n")
            other = orjson.dumps(
                {"@timestamp": format_ns(time.time_ns()), "message": "not mine", **record}
            )
            handle.write(other.replace(b'"cart"', b'"payments"') + b"\n")
        printed.wait_for("second line")
        printed.wait_for("plain text from cart")
        follower.send_signal(signal.SIGINT)
        _, err = follower.communicate(timeout=30)
        assert follower.returncode == 0, err
        assert b"Traceback" not in err
        assert not any("not mine" in s for s in printed.seen)
        assert sum("first line" in s for s in printed.seen) == 1
    finally:
        for process in (follower, collector):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
