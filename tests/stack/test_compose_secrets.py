"""The compose stack's credentials: each container gets the ones it uses and no other, none
is on a command line (``ps``, ``docker inspect``), and the image holds none."""

from __future__ import annotations

import base64
import http.server
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from compose_stack import (
    ENV_FILE,
    ROOT,
    build_context,
    compose_config,
    container_argv,
    resolved_config,
    services,
    stack_secrets,
    unescape,
)

from sdk.store import Endpoint
from stack.demo import REQUIRED_ENV

#: the credentials each service that is not a demo service works with (the demo services'
#: are the ones stack.demo lists)
USES: Mapping[str, set[str]] = {
    "elasticsearch": {"ELASTIC_PASSWORD"},
    "kibana": {
        "KIBANA_SYSTEM_PASSWORD",
        "KIBANA_SECURITY_ENCRYPTION_KEY",
        "KIBANA_SAVED_OBJECTS_ENCRYPTION_KEY",
        "KIBANA_REPORTING_ENCRYPTION_KEY",
    },
    "graylog": {"GRAYLOG_PASSWORD_SECRET", "GRAYLOG_ROOT_PASSWORD_SHA2"},
    "provision": {"ELASTIC_PASSWORD", "KIBANA_SYSTEM_PASSWORD"},
    "provision-kibana": {"ELASTIC_PASSWORD"},
    "provision-graylog": {"GRAYLOG_ROOT_PASSWORD"},
    "collector": {"ELASTIC_PASSWORD"},
    "dashboard": {"ELASTIC_PASSWORD"},
    "mongodb": set(),
    "opensearch": set(),
}


def _uses(name: str) -> set[str]:
    if name in REQUIRED_ENV:
        return set(REQUIRED_ENV[name]) & set(stack_secrets())
    return set(USES[name])


def _given(service: Mapping[str, Any], secrets: Mapping[str, str]) -> set[str]:
    """The credentials whose value reaches the container, by any variable name."""
    environment = {k: unescape(str(v)) for k, v in service.get("environment", {}).items()}
    return {name for name, value in secrets.items() if value in environment.values()}


def test_each_container_gets_only_the_credentials_it_uses() -> None:
    secrets = stack_secrets()
    compose = services(resolved_config())
    assert set(compose) == set(USES) | set(REQUIRED_ENV)
    for name, service in compose.items():
        assert "env_file" not in service, name
        assert _given(service, secrets) == _uses(name), name


def test_no_credential_is_on_a_command_line() -> None:
    """Commands and health checks show in ``ps`` and ``docker inspect``: no password in
    them, and no variable holding one for a shell to expand into an argument."""
    secrets = stack_secrets()
    for name, service in services(resolved_config()).items():
        for words in (service.get("command") or [], service.get("healthcheck", {}).get("test", [])):
            text = unescape(" ".join(words)).removeprefix("CMD-SHELL ")
            shown = [s for s, value in secrets.items() if value in text]
            assert not shown, (name, shown)
            for variable in secrets:
                for reference in (f"${variable}", f"${{{variable}}}"):
                    # the one exception: a shell builtin feeding curl's standard input
                    feeds_stdin = text.startswith("printf ") and "curl -fsS -H @-" in text
                    assert reference not in text or feeds_stdin, (name, variable)


def test_collector_and_dashboard_log_in_from_the_environment() -> None:
    compose = services(resolved_config())
    password = stack_secrets()["ELASTIC_PASSWORD"]
    for name in ("collector", "dashboard"):
        service = compose[name]
        argv = container_argv(service["command"])
        urls = [argv[i + 1] for i, word in enumerate(argv) if word in ("--sink", "--store")]
        (search,) = [u for u in urls if u.startswith("http://elasticsearch")]
        environment = {k: unescape(str(v)) for k, v in service["environment"].items()}
        with pytest.MonkeyPatch.context() as patch:
            for key, value in environment.items():
                patch.setenv(key, value)
            endpoint = Endpoint.parse(search)
        assert (endpoint.username, endpoint.password) == ("elastic", password), name


def test_the_image_holds_no_credential() -> None:
    secrets = stack_secrets()
    sent = build_context()
    assert "stack/docker/Dockerfile" in sent  # the rules do send the sources
    holding = [
        path
        for path in sent
        if any(value in (ROOT / path).read_text(errors="replace") for value in secrets.values())
    ]
    assert holding == []


def test_an_env_file_anywhere_in_the_sources_stays_out() -> None:
    paths = [
        ".env",
        "stack/docker/stack.env",
        "stack/docker/env/kibana.env",
        "sdk/.env",
        "stack/docker/Dockerfile",
        "stack/demo/cart.py",
        "stack/demo/__pycache__/cart.cpython-311.pyc",
        "tests/stack/test_compose.py",
    ]
    assert build_context(paths) == ["stack/docker/Dockerfile", "stack/demo/cart.py"]


def test_a_dollar_in_a_single_quoted_password_reaches_the_container(tmp_path: Path) -> None:
    """What the .env file and the README tell: a value with ``$`` goes in single quotes."""
    env_file = tmp_path / ".env"
    quoted = "ELASTIC_PASSWORD='pa$word$$1'"
    env_file.write_text(re.sub(r"(?m)^ELASTIC_PASSWORD=.*$", quoted, ENV_FILE.read_text()))
    assert quoted in env_file.read_text()
    collector = services(compose_config(env_file))["collector"]
    assert unescape(collector["environment"]["HOPSCOPE_SEARCH_PASSWORD"]) == "pa$word$$1"


class _NeedsLogin(http.server.BaseHTTPRequestHandler):
    expected = ""

    def do_GET(self) -> None:
        ok = self.headers.get("authorization") == self.expected
        self.send_response(200 if ok else 401)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_the_elasticsearch_health_check_logs_in_from_standard_input() -> None:
    """The health check's shell line, run here against a loopback server that wants the
    elastic login (its curl reads the login from standard input, not its arguments)."""
    if shutil.which("curl") is None:
        pytest.fail("curl is needed (the Elasticsearch image runs it)")
    password = 'pa$word "quoted" 100%'  # what the shell and printf must leave alone
    token = base64.b64encode(f"elastic:{password}".encode()).decode()
    _NeedsLogin.expected = f"Basic {token}"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NeedsLogin)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        test = services(resolved_config())["elasticsearch"]["healthcheck"]["test"]
        assert test[0] == "CMD-SHELL"
        line = unescape(test[1]).replace("localhost:9200", f"127.0.0.1:{server.server_port}")
        env = {"PATH": os.environ["PATH"]}
        right = subprocess.run(["sh", "-c", line], env={**env, "ELASTIC_PASSWORD": password})
        wrong = subprocess.run(["sh", "-c", line], env={**env, "ELASTIC_PASSWORD": "nope"})
        assert right.returncode == 0
        assert wrong.returncode != 0
    finally:
        server.shutdown()
        thread.join(5)
