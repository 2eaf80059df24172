from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from collector.sources.docker import (
    ContainerFilter,
    container_labels,
    container_name,
    is_docker_log,
    parse_label,
)
from collector.transforms.docker_unwrap import DockerUnwrapper
from collector.transforms.lines import Line


def docker_lines(*entries: dict[str, str]) -> list[Line]:
    lines, offset = [], 0
    for entry in entries:
        data = orjson.dumps(entry)
        lines.append(Line(offset, offset + len(data) + 1, data, False))
        offset += len(data) + 1
    return lines


def test_partials_merge_and_another_stream_does_not_join_them() -> None:
    lines = docker_lines(
        {"log": "abc", "stream": "stdout"},
        {"log": "def\n", "stream": "stdout"},
        {"log": "half", "stream": "stdout"},
        {"log": "err\n", "stream": "stderr"},
        {"log": "\n", "stream": "stdout"},
    )
    out = DockerUnwrapper(1 << 20).feed(lines)
    assert [(line.data, line.offset, line.end) for line in out] == [
        (b"abcdef", lines[0].offset, lines[1].end),
        (b"half", lines[2].offset, lines[2].end),  # cut short by the other stream
        (b"err", lines[3].offset, lines[3].end),
        (b"", lines[4].offset, lines[4].end),  # an empty line is still a line (counted)
    ]


def test_damaged_docker_line_is_passed_through_and_limits_apply() -> None:
    unwrapper = DockerUnwrapper(5)
    damaged = Line(0, 10, b'{"log": "x', False)
    (kept,) = unwrapper.feed([damaged])
    assert kept is damaged
    (cut,) = unwrapper.feed(docker_lines({"log": "0123456789\n", "stream": "stdout"}))
    assert cut.truncated
    assert cut.data.startswith(b"01234")


def test_write_time_is_kept_only_when_the_schema_takes_it() -> None:
    written = "2026-11-25T17:00:00.123456789Z"
    lines = docker_lines(
        {"log": "a\n", "stream": "stdout", "time": written},
        {"log": "b\n", "stream": "stdout", "time": written + "\n"},
        {"log": "c\n", "stream": "stdout", "time": "yesterday"},
    )
    out = DockerUnwrapper(1 << 20).feed(lines)
    assert [(line.data, line.time) for line in out] == [(b"a", written), (b"b", None), (b"c", None)]


def test_container_name_from_its_config(tmp_path: Path) -> None:
    directory = tmp_path / ("f" * 64)
    directory.mkdir()
    log = directory / f"{'f' * 64}-json.log"
    assert is_docker_log(str(log))
    assert container_name(str(log)) == "f" * 12  # no config: the short id
    (directory / "config.v2.json").write_text('{"Name": "/cart-1"}')
    assert container_name(str(log)) == "cart-1"


def test_container_filter_reads_the_labels_once_and_waits_for_a_config(tmp_path: Path) -> None:
    directory = tmp_path / ("a" * 64)
    directory.mkdir()
    log = str(directory / f"{'a' * 64}-json.log")
    wanted = ContainerFilter({"io.hopscope.stack": "shop"})
    assert ContainerFilter({})(log)  # no labels asked for: every container
    assert not wanted(log)  # no config yet (being created): not now, asked again later
    config = directory / "config.v2.json"
    config.write_text('{"Config": {"Labels": {"io.hopscope.stack": "shop", "x": "1"}}}')
    assert container_labels(log) == {"io.hopscope.stack": "shop", "x": "1"}
    assert wanted(log)
    config.write_text('{"Config": {"Labels": {"io.hopscope.stack": "other"}}}')
    assert wanted(log)  # decided once: a container's labels do not change
    assert not ContainerFilter({"io.hopscope.stack": "shop"})(log)
    assert not ContainerFilter({"io.hopscope.stack": "other", "x": "1"})(log)  # all must match


def test_a_label_is_key_equals_value() -> None:
    assert parse_label("com.docker.compose.project=shop") == ("com.docker.compose.project", "shop")
    assert parse_label("k=") == ("k", "")
    with pytest.raises(ValueError, match="not KEY=VALUE"):
        parse_label("com.docker.compose.project")


def test_collect_refuses_a_label_without_a_value(capsys: pytest.CaptureFixture[str]) -> None:
    from stack.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["collect", "some.log", "--docker-label", "com.docker.compose.project"])
    assert stopped.value.code == 2
    assert (
        "--docker-label: 'com.docker.compose.project' is not KEY=VALUE" in capsys.readouterr().err
    )
