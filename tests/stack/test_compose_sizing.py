"""The compose stack's size: every container has a memory limit, every JVM an explicit heap
inside it, the README tells the sum; and the host-specific settings (extra JVM options,
Docker's data directory, SELinux) are there to set."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from compose_stack import ENV_FILE, ROOT, compose_config, resolved_config, services

#: the variable each JVM of the stack takes its options from
JVM_OPTIONS = {
    "elasticsearch": "ES_JAVA_OPTS",
    "opensearch": "OPENSEARCH_JAVA_OPTS",
    "graylog": "GRAYLOG_SERVER_JAVA_OPTS",
}
MIB = 1024 * 1024
_UNITS = {"": 1, "b": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}


def _bytes(size: Any) -> int:
    """A Compose or JVM size (``512m``, ``1g``, a number of bytes) in bytes."""
    match = re.fullmatch(r"(\d+)\s*([bkmg]?)b?", str(size).strip().lower())
    assert match, size
    return int(match.group(1)) * _UNITS[match.group(2)]


def _heap(options: str) -> tuple[int, int]:
    found = dict(re.findall(r"-Xm([sx])(\d+[kmg]?)", options))
    assert set(found) == {"s", "x"}, options
    return _bytes(found["s"]), _bytes(found["x"])


def _with_variables(tmp_path: Path, **variables: str) -> dict[str, dict[str, Any]]:
    env_file = tmp_path / ".env"
    extra = "".join(f"{name}={value}\n" for name, value in variables.items())
    env_file.write_text(ENV_FILE.read_text() + extra)
    return services(compose_config(env_file))


def test_every_container_has_a_memory_limit_and_the_readme_tells_the_sum() -> None:
    compose = services(resolved_config())
    limits = {name: _bytes(service["mem_limit"]) for name, service in compose.items()}
    total = sum(limits.values())
    each = ", ".join(f"{name} {size // MIB}" for name, size in sorted(limits.items()))
    print(f"memory limits: {total // MIB} MiB in all ({each})")
    readme = (ROOT / "README.md").read_text()
    assert f"{total / (1024 * MIB):.1f} GiB" in readme


def test_every_jvm_has_a_fixed_heap_within_its_limit() -> None:
    compose = services(resolved_config())
    for name, variable in JVM_OPTIONS.items():
        least, most = _heap(compose[name]["environment"][variable])
        assert least == most, name  # a heap that grows later is memory not counted now
        # the rest of the limit: metaspace, threads, direct buffers, the file cache
        assert most <= _bytes(compose[name]["mem_limit"]) // 2, name


def test_extra_jvm_options_reach_every_jvm(tmp_path: Path) -> None:
    compose = _with_variables(tmp_path, HOPSCOPE_JVM_OPTIONS="-XX:UseSVE=0")
    for name, variable in JVM_OPTIONS.items():
        assert compose[name]["environment"][variable].split()[-1] == "-XX:UseSVE=0", name
    plain = services(resolved_config())
    for name, variable in JVM_OPTIONS.items():
        assert "UseSVE" not in plain[name]["environment"][variable], name


def _docker_logs_mount(service: dict[str, Any]) -> tuple[str, str]:
    for volume in service["volumes"]:
        if isinstance(volume, str):
            source, target, *_ = volume.split(":")
        else:
            source, target = volume["source"], volume["target"]
        if target == "/var/lib/docker/containers":
            return source, target
    raise AssertionError("the collector mounts no Docker log directory")


def test_dockers_data_directory_can_be_moved(tmp_path: Path) -> None:
    assert _docker_logs_mount(services(resolved_config())["collector"])[0] == (
        "/var/lib/docker/containers"
    )
    rootless = "/home/someone/.local/share/docker"
    collector = _with_variables(tmp_path, DOCKER_DATA_ROOT=rootless)["collector"]
    # the collector's glob stays the same: only where the host's directory comes from moves
    assert _docker_logs_mount(collector) == (f"{rootless}/containers", "/var/lib/docker/containers")


def test_the_collector_reads_dockers_files_on_selinux_hosts() -> None:
    collector = services(resolved_config())["collector"]
    assert "label=disable" in collector.get("security_opt", [])
    source, _ = _docker_logs_mount(collector)
    for volume in collector["volumes"]:
        if isinstance(volume, str) and volume.startswith(source):
            assert not re.search(r":[^:]*\b[zZ]\b", volume), "relabelling Docker's own files"
