"""docker-compose.yml and what it relies on, checked without a Docker engine.

``docker-compose config`` (the Debian package; it parses, validates and interpolates
without talking to an engine) gives the resolved file; the checks then hold it against
the project: commands that exist, variables the code reads, start order, and the objects
provisioned into Kibana and Graylog matching the record schema.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from compose_stack import PROJECT_IMAGE, ROOT, resolved_config
from compose_stack import container_argv as _argv
from compose_stack import services as _services

import sdk
from sdk import schema
from sdk.client._settings import env_prefix
from sdk.schema.index_template import INDEX_PATTERN, index_template
from stack.cli import build_parser
from stack.demo import APPS, REQUIRED_ENV, clients, settings
from stack.demo.faults import CART_TIMEOUT_SECONDS, STALL_SECONDS
from stack.provision.resources import graylog_content_pack, kibana_ndjson, kibana_objects

DEMO_SERVICES = ("sso", "cart", "notifications", "payment-gateway")


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return resolved_config()


def _project_services(config: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, service in _services(config).items():
        if service.get("image") == PROJECT_IMAGE:
            yield name, service


def _defines_app(module: str) -> bool:
    spec = importlib.util.find_spec(module)
    assert spec is not None, f"no module {module}"
    assert spec.origin is not None, f"no source for {module}"
    tree = ast.parse(Path(spec.origin).read_text())
    return any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "app" for t in node.targets)
        for node in tree.body
    )


def _runs_as_main(module: str) -> bool:
    spec = importlib.util.find_spec(module)
    assert spec is not None, f"no module {module}"
    assert spec.origin is not None, f"no source for {module}"
    return 'if __name__ == "__main__":' in Path(spec.origin).read_text()


def test_compose_file_validates(config: dict[str, Any]) -> None:
    services = _services(config)
    assert set(DEMO_SERVICES) <= set(services)
    assert {
        "elasticsearch",
        "kibana",
        "graylog",
        "mongodb",
        "opensearch",
        "collector",
        "dashboard",
        "provision",
        "provision-kibana",
        "provision-graylog",
        "traffic",
    } <= set(services)


def test_every_project_command_exists(config: dict[str, Any]) -> None:
    parser = build_parser()
    checked = 0
    for name, service in _project_services(config):
        argv = _argv(service["command"])
        if argv[:3] == ["python", "-m", "uvicorn"]:
            module, _, attribute = argv[3].partition(":")
            assert attribute == "app", f"{name}: {argv[3]}"
            assert _defines_app(module), f"{name}: {module} defines no app"
            assert argv[3] == APPS[name]
        elif argv[:2] == ["python", "-m"]:
            assert _runs_as_main(argv[2]), f"{name}: python -m {argv[2]} does not run"
        else:
            assert argv[0] == "hopscope", f"{name}: unexpected command {argv}"
            parsed = parser.parse_args(argv[1:])  # exits (fails the test) on a bad option
            assert callable(parsed.run)
        checked += 1
    assert checked == len(list(_project_services(config)))


def test_traffic_options_exist(config: dict[str, Any]) -> None:
    from stack.demo import traffic

    argv = _argv(_services(config)["traffic"]["command"])
    parsed = traffic._parser().parse_args(argv[3:])
    assert parsed.gateway == "http://payment-gateway:8000"


def test_every_variable_the_services_read_is_provided(config: dict[str, Any]) -> None:
    services = _services(config)
    # the timeout fault stalls the cart beyond the gateway's timeout, as in the local demo
    timeout = float(services["payment-gateway"]["environment"]["SERVICE_CART_TIMEOUT"])
    assert timeout == CART_TIMEOUT_SECONDS < STALL_SECONDS
    for name, needed in REQUIRED_ENV.items():
        environment = services[name].get("environment", {})
        missing = [v for v in needed if not environment.get(v)]
        assert not missing, f"{name} lacks {missing}"


def test_the_services_read_only_listed_variables() -> None:
    """Only settings.py reads the environment in the demo, and only listed names; the SDK
    reads SERVICE_<NAME>_URL for each client class, all listed for the payment gateway."""
    demo_dir = Path(settings.__file__).parent
    for path in demo_dir.glob("*.py"):
        if path.name != "settings.py":
            text = path.read_text()
            assert "os.environ" not in text, path.name
            assert "getenv" not in text, path.name
    listed = {v for names in REQUIRED_ENV.values() for v in names} | set(settings.OPTIONAL_ENV)
    constants = {
        node.value.value
        for node in ast.walk(ast.parse(Path(settings.__file__).read_text()))
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and node.value.value.isupper()
    }
    assert constants <= listed
    gateway = set(REQUIRED_ENV["payment-gateway"])
    for _, cls in inspect.getmembers(clients, inspect.isclass):
        if issubclass(cls, sdk.S2SClient) and cls is not sdk.S2SClient:
            assert f"{env_prefix(cls.service)}URL" in gateway
    assert {"SSO_TOKEN_URL", "SSO_CLIENT_ID", "SSO_CLIENT_SECRET"} <= gateway


def test_credentials_fit_together(config: dict[str, Any]) -> None:
    services = _services(config)
    graylog = services["graylog"]["environment"]
    assert len(graylog["GRAYLOG_PASSWORD_SECRET"]) >= 16
    root = services["provision-graylog"]["environment"]["GRAYLOG_ROOT_PASSWORD"]
    assert hashlib.sha256(root.encode()).hexdigest() == graylog["GRAYLOG_ROOT_PASSWORD_SHA2"]
    for needed in ("ELASTIC_PASSWORD", "KIBANA_SYSTEM_PASSWORD"):
        assert services["provision"]["environment"][needed]
    assert (
        services["provision-kibana"]["environment"]["ELASTIC_PASSWORD"]
        == (services["provision"]["environment"]["ELASTIC_PASSWORD"])
    )
    elastic = services["provision"]["environment"]["ELASTIC_PASSWORD"]
    assert services["elasticsearch"]["environment"]["ELASTIC_PASSWORD"] == elastic
    for searching in ("collector", "dashboard"):
        login = services[searching]["environment"]
        assert login["HOPSCOPE_SEARCH_USERNAME"] == "elastic"
        assert login["HOPSCOPE_SEARCH_PASSWORD"] == elastic
    kibana = services["provision"]["environment"]["KIBANA_SYSTEM_PASSWORD"]
    assert services["kibana"]["environment"]["ELASTICSEARCH_USERNAME"] == "kibana_system"
    assert services["kibana"]["environment"]["ELASTICSEARCH_PASSWORD"] == kibana
    gateway = services["payment-gateway"]["environment"]
    registered = settings.pairs(settings.CLIENTS, services["sso"]["environment"])
    assert registered[gateway["SSO_CLIENT_ID"]] == gateway["SSO_CLIENT_SECRET"]
    users = settings.pairs(settings.USERS, services["traffic"]["environment"])
    assert users == settings.pairs(settings.USERS, services["sso"]["environment"])
    for name, service in services.items():
        for check in (service.get("healthcheck", {}).get("test", []), service.get("command", [])):
            for variable in re.findall(r"\$\$\{?(\w+)", " ".join(check)):
                assert service["environment"].get(variable), (name, variable)


def test_start_order_and_health_checks(config: dict[str, Any]) -> None:
    services = _services(config)
    waits = {name: service.get("depends_on", {}) for name, service in services.items()}
    for name, needs in waits.items():
        for other, how in needs.items():
            assert other in services, f"{name} depends on unknown {other}"
            if how["condition"] == "service_healthy":
                assert "healthcheck" in services[other], f"{other} has no health check"
    assert set(waits["payment-gateway"]) == {"sso", "cart", "notifications"}
    # the collector and the dashboard need Elasticsearch provisioned, and nothing else: a
    # Kibana or Graylog that fails to provision does not keep them from starting
    assert waits["collector"] == {"provision": {"condition": "service_completed_successfully"}}
    assert waits["dashboard"] == {"provision": {"condition": "service_completed_successfully"}}
    assert waits["provision"] == {"elasticsearch": {"condition": "service_healthy"}}
    assert waits["provision-kibana"]["provision"]["condition"] == "service_completed_successfully"
    assert set(waits["provision-graylog"]) == {"graylog"}
    # each server is provisioned by one run, and every server by some run
    parser = build_parser()
    covered: list[str] = []
    for name in ("provision", "provision-kibana", "provision-graylog"):
        parsed = parser.parse_args(_argv(services[name]["command"])[1:])
        covered += sorted({"elasticsearch", "kibana", "graylog"} - set(parsed.skip))
    assert sorted(covered) == ["elasticsearch", "graylog", "kibana"]
    assert set(waits["graylog"]) == {"mongodb", "opensearch"}

    def visit(name: str, seen: tuple[str, ...]) -> None:
        assert name not in seen, f"dependency cycle: {' -> '.join((*seen, name))}"
        for other in waits[name]:
            visit(other, (*seen, name))

    for name in services:
        visit(name, ())


def test_collector_reads_only_the_services_and_ships_to_both_stores(
    config: dict[str, Any],
) -> None:
    services = _services(config)
    for name, service in services.items():
        driver = service["logging"]["driver"]
        assert driver == ("json-file" if name in DEMO_SERVICES else "local"), name
    argv = _argv(services["collector"]["command"])
    parsed = build_parser().parse_args(argv[1:])
    assert parsed.follow
    # the collector's label is the one the demo services carry, and only they
    ((key, value),) = parsed.docker_label
    for name, service in services.items():
        carries = service.get("labels", {}).get(key) == value
        assert carries == (name in DEMO_SERVICES), name
    assert parsed.inputs == ["/var/lib/docker/containers/*/*-json.log"]
    assert parsed.sink == [
        "http://elasticsearch:9200?template=false",
        "gelf+http://graylog:12201/gelf",
    ]
    assert (
        "/var/lib/docker/containers:/var/lib/docker/containers:ro"
        in (services["collector"]["volumes"])
    )
    gelf_port = 12201
    published = {str(p.get("target")) for p in _ports(services["graylog"])}
    assert str(gelf_port) in published


def _ports(service: Mapping[str, Any]) -> list[dict[str, Any]]:
    ports: list[dict[str, Any]] = []
    for port in service.get("ports", []):
        if isinstance(port, str):
            host_ip, host, target = port.split("/", 1)[0].rsplit(":", 2)
            ports.append({"host_ip": host_ip, "published": host, "target": target})
        else:
            ports.append(port)
    return ports


def test_ports_are_published_on_loopback_only_and_images_pinned(config: dict[str, Any]) -> None:
    for name, service in _services(config).items():
        for port in _ports(service):
            assert port.get("host_ip") == "127.0.0.1", (name, port)
        image = service["image"]
        assert image == PROJECT_IMAGE or re.search(r":\d+(\.\d+)*$", image), (name, image)


def test_dockerfile_copies_what_exists() -> None:
    dockerfile = (ROOT / "stack" / "docker" / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    ignore = (ROOT / "stack" / "docker" / "Dockerfile.dockerignore").read_text()
    for needed in ("pyproject.toml", "requirements.lock", "sdk/", "collector/", "stack/"):
        assert f"!{needed}" in ignore


def test_index_template_covers_the_schema() -> None:
    body = json.loads(json.dumps(index_template()))
    assert body["index_patterns"] == [INDEX_PATTERN]

    def flatten(properties: Mapping[str, Any], prefix: str = "") -> set[str]:
        names = set()
        for key, value in properties.items():
            if "properties" in value and "type" not in value:
                names |= flatten(value["properties"], f"{prefix}{key}.")
            else:
                names.add(f"{prefix}{key}")
        return names

    assert set(schema.fields()) <= flatten(body["template"]["mappings"]["properties"])


def _kql_fields(query: str) -> set[str]:
    return set(re.findall(r"([A-Za-z@][\w.@]*)\s*:", query))


def test_kibana_objects_match_the_schema() -> None:
    objects = kibana_objects()
    patterns = {o["id"]: o for o in objects if o["type"] == "index-pattern"}
    (view,) = patterns.values()
    assert view["attributes"]["title"] == INDEX_PATTERN
    time_field = view["attributes"]["timeFieldName"]
    assert schema.fields()[time_field]["type"] == "string"
    assert index_template()["template"]["mappings"]["properties"][time_field]["type"] == "date"
    searches = [o for o in objects if o["type"] == "search"]
    assert len(searches) >= 3
    fields = set(schema.fields())
    for search in searches:
        attributes = search["attributes"]
        assert set(attributes["columns"]) <= fields, search["id"]
        assert {column for column, _order in attributes["sort"]} <= fields
        source = json.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])
        assert _kql_fields(source["query"]["query"]) <= fields, source["query"]
        (reference,) = search["references"]
        assert reference["name"] == source["indexRefName"]
        assert reference["id"] in patterns
    lines = kibana_ndjson().decode().splitlines()
    assert [json.loads(line) for line in lines] == objects


def test_graylog_content_pack_creates_the_gelf_input() -> None:
    pack = graylog_content_pack()
    assert pack["v"] == 1
    assert isinstance(pack["rev"], int)
    (entity,) = pack["entities"]
    assert entity["type"] == {"name": "input", "version": "1"}
    data = entity["data"]
    assert data["type"]["@value"] == "org.graylog2.inputs.gelf.http.GELFHttpInput"
    assert data["global"]["@value"] is True
    assert data["configuration"]["port"] == {"@type": "integer", "@value": 12201}
    for value in data["configuration"].values():
        assert set(value) == {"@type", "@value"}


def test_nothing_calls_out_at_run_time(config: dict[str, Any]) -> None:
    services = _services(config)
    assert services["elasticsearch"]["environment"]["ingest.geoip.downloader.enabled"] == "false"
    assert services["kibana"]["environment"]["TELEMETRY_ENABLED"] == "false"
    assert services["kibana"]["environment"]["NEWSFEED_ENABLED"] == "false"
    assert services["graylog"]["environment"]["GRAYLOG_VERSIONCHECKS"] == "false"
    assert services["graylog"]["environment"]["GRAYLOG_TELEMETRY_ENABLED"] == "false"
    dockerfile = (ROOT / "stack" / "docker" / "Dockerfile").read_text()
    assert "STREAMLIT_BROWSER_GATHER_USAGE_STATS=false" in dockerfile


def test_single_node_indices_have_no_replicas_and_kibana_keeps_its_keys(
    config: dict[str, Any],
) -> None:
    services = _services(config)
    parsed = build_parser().parse_args(_argv(services["provision"]["command"])[1:])
    assert parsed.replicas == 0  # one Elasticsearch node: a replica would never be placed
    assert services["elasticsearch"]["environment"]["discovery.type"] == "single-node"
    # the collector does not put its own template, without the replicas, over provision's
    collector = build_parser().parse_args(_argv(services["collector"]["command"])[1:])
    (search,) = [url for url in collector.sink if url.startswith("http://elasticsearch")]
    assert search.endswith("?template=false")
    kibana = services["kibana"]["environment"]
    keys = [
        kibana[name]
        for name in (
            "XPACK_SECURITY_ENCRYPTIONKEY",
            "XPACK_ENCRYPTEDSAVEDOBJECTS_ENCRYPTIONKEY",
            "XPACK_REPORTING_ENCRYPTIONKEY",
        )
    ]
    assert all(len(key) >= 32 for key in keys)  # Kibana refuses shorter ones
    assert len(set(keys)) == len(keys)
