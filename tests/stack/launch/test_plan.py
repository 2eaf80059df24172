"""The local demo's plan: every variable each service reads, loopback addresses, commands."""

from __future__ import annotations

import subprocess
import sys

from stack.demo import APPS, REQUIRED_ENV, settings
from stack.launch.plan import DEFAULT_PORTS, SERVICES, Secrets, demo_plan


def test_every_service_gets_the_variables_it_reads() -> None:
    plan = demo_plan("127.0.0.1", DEFAULT_PORTS, Secrets())
    assert [s.name for s in plan] == list(SERVICES)
    for service in plan:
        missing = [v for v in REQUIRED_ENV[service.name] if not service.env.get(v)]
        assert not missing, f"{service.name} lacks {missing}"
        assert service.app == APPS[service.name]


def test_neighbour_addresses_and_credentials_agree() -> None:
    keys = Secrets()
    plan = {s.name: s for s in demo_plan("127.0.0.1", DEFAULT_PORTS, keys)}
    gateway = plan["payment-gateway"].env
    assert gateway["SERVICE_CART_URL"] == plan["cart"].url == "http://127.0.0.1:8102"
    assert gateway["SSO_TOKEN_URL"] == f"{plan['sso'].url}/token"
    clients = settings.pairs(settings.CLIENTS, plan["sso"].env)
    assert clients[gateway["SSO_CLIENT_ID"]] == gateway["SSO_CLIENT_SECRET"]
    assert {s.env[settings.SIGNING_KEY] for s in plan.values()} == {keys.signing_key}


def test_secrets_are_new_for_each_run() -> None:
    first, second = Secrets(), Secrets()
    assert first.signing_key != second.signing_key
    assert first.passwords != second.passwords


def test_command_runs_the_app_under_uvicorn_on_its_port() -> None:
    (sso, *_rest) = demo_plan("127.0.0.1", {**DEFAULT_PORTS, "sso": 9101}, Secrets())
    assert sso.command("py") == [
        "py",
        "-m",
        "uvicorn",
        "stack.demo.sso:app",
        "--host",
        "127.0.0.1",
        "--port",
        "9101",
    ]


def test_demo_help_lists_its_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "stack.cli", "demo", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    for option in ("--no-browser", "--duration", "--port", "--dashboard-port", "--faults"):
        assert option in done.stdout
