"""``hopscope provision``: each step against a server speaking its API, run twice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from osmem_server import OsmemClone

from sdk.schema.index_template import TEMPLATE_NAME, index_template
from stack.cli import main
from stack.launch import free_port
from stack.provision.resources import graylog_content_pack, kibana_objects

from .conftest import StandIn


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def provision(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """``hopscope provision ARGS`` with only the given passwords in the environment."""

    def run(*args: str, **env: str) -> Done:
        for name in ("ELASTIC_PASSWORD", "KIBANA_SYSTEM_PASSWORD", "GRAYLOG_ROOT_PASSWORD"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        code = main(["provision", *args])
        out, err = capsys.readouterr()
        return Done(code, out, err)

    return run


def test_elasticsearch_step_installs_the_index_template(engine: OsmemClone, provision: Any) -> None:
    for _ in range(2):  # idempotent
        done = provision("--elasticsearch", engine.url, "--skip", "kibana", "--skip", "graylog")
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"index template {TEMPLATE_NAME} installed" in done.stdout
    stored = httpx.get(f"{engine.url}/_index_template/{TEMPLATE_NAME}").json()
    (template,) = stored["index_templates"]
    assert template["index_template"]["index_patterns"] == index_template()["index_patterns"]
    # the engine is OpenSearch's API: labels are one flat_object field, whatever their keys
    properties = template["index_template"]["template"]["mappings"]["properties"]
    assert properties["labels"] == {"type": "flat_object"}


def test_a_refused_request_is_reported_and_fails_the_run(
    engine: OsmemClone, provision: Any
) -> None:
    # osmem has no security API: setting Kibana's password is refused, and said so.
    done = provision(
        "--elasticsearch",
        engine.url,
        "--skip",
        "kibana",
        "--skip",
        "graylog",
        KIBANA_SYSTEM_PASSWORD="kibana-demo",
    )
    assert done.returncode == 1
    assert (
        "Elasticsearch: FAILED: Elasticsearch refused POST "
        "/_security/user/kibana_system/_password: HTTP 400" in done.stdout
    )
    assert "kibana-demo" not in done.stdout


def test_an_unreachable_server_is_named_after_the_wait(provision: Any) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = provision("--graylog", url, "--skip", "elasticsearch", "--skip", "kibana", "--wait", "1")
    assert done.returncode == 1
    assert f"Graylog at {url} was not ready after 1s" in done.stdout


def test_kibana_step_imports_the_data_view_and_searches(stand_in: StandIn, provision: Any) -> None:
    for _ in range(2):
        done = provision(
            "--kibana",
            stand_in.url,
            "--skip",
            "elasticsearch",
            "--skip",
            "graylog",
            ELASTIC_PASSWORD="elastic-demo",
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "4 saved objects imported" in done.stdout
    assert stand_in.seen.imports == [kibana_objects(), kibana_objects()]


def test_graylog_step_installs_the_content_pack_once(stand_in: StandIn, provision: Any) -> None:
    outputs: list[str] = []
    for _ in range(2):
        done = provision(
            "--graylog",
            stand_in.url,
            "--skip",
            "elasticsearch",
            "--skip",
            "kibana",
            GRAYLOG_ROOT_PASSWORD="graylog-demo",
        )
        assert done.returncode == 0, done.stdout + done.stderr
        outputs.append(done.stdout)
    pack: dict[str, Any] = graylog_content_pack()
    assert stand_in.seen.packs == {pack["id"]: pack}
    assert len(stand_in.seen.installs) == 1
    assert "content pack hopscope installed (GELF HTTP input on port 12201)" in outputs[0]
    assert "content pack hopscope already installed" in outputs[1]


def test_replicas_go_into_the_template_and_onto_existing_indices(
    engine: OsmemClone, provision: Any
) -> None:
    existing = "hopscope-records-2026.11.25"
    assert httpx.put(f"{engine.url}/{existing}", json={}).status_code == 200
    done = provision(
        "--elasticsearch", engine.url, "--skip", "kibana", "--skip", "graylog", "--replicas", "0"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 replicas of each hopscope-records-* index" in done.stdout
    stored = httpx.get(f"{engine.url}/_index_template/{TEMPLATE_NAME}").json()
    (template,) = stored["index_templates"]
    settings = template["index_template"]["template"]["settings"]["index"]
    assert str(settings["number_of_replicas"]) == "0"
    index = httpx.get(f"{engine.url}/{existing}/_settings").json()[existing]["settings"]["index"]
    assert str(index["number_of_replicas"]) == "0"


def test_replicas_are_a_whole_number(provision: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        provision("--replicas", "-1")
    assert "must not be negative" in capsys.readouterr().err
