"""Commands of the stack package (registered into the ``hopscope`` console script):
``demo`` (the demo on this machine) and ``provision`` (the compose stack's servers)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from sdk.store import STATE_DIR, STATE_FILE

SERVICE_NAMES = ("sso", "cart", "notifications", "payment-gateway")


def register(sub: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="run the demo services, collector and dashboard on this machine",
        description=(
            "Run the demo shop (sso, cart, payment-gateway, notifications) as local processes "
            "on loopback ports, send it traffic with injected faults, collect every line the "
            "services write into the SQLite store, and open the dashboard. Ctrl-C stops "
            "everything; the store stays for 'hopscope dashboard' and 'hopscope trace'."
        ),
        epilog="Example: hopscope demo --duration 60 --faults slow,timeout",
    )
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    demo.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="SERVICE=PORT",
        type=_service_port,
        help="port of one service (repeatable); defaults: sso=8101 cart=8102 "
        "notifications=8103 payment-gateway=8104",
    )
    demo.add_argument(
        "--dashboard-port",
        type=_port,
        default=8501,
        metavar="PORT",
        help="dashboard port (%(default)s)",
    )
    demo.add_argument(
        "--state-dir",
        type=Path,
        default=Path(STATE_DIR),
        help="store, logs and collector state (default: %(default)s)",
    )
    demo.add_argument(
        "--store",
        metavar="URL",
        help=f"where records go (default: sqlite:///STATE_DIR/{STATE_FILE})",
    )
    demo.add_argument(
        "--duration",
        type=_seconds,
        metavar="SECONDS",
        help="stop after this long (default: run until Ctrl-C)",
    )
    demo.add_argument(
        "--faults",
        default="all",
        help="faults to inject: all (default), none, or a comma list of "
        "slow, error, timeout, expired-token, malformed",
    )
    demo.add_argument("--rate", type=_seconds, default=4.0, help="payments per second (4)")
    demo.add_argument("--no-browser", action="store_true", help="do not open a browser")
    demo.add_argument("--no-dashboard", action="store_true", help="do not start the dashboard")
    demo.set_defaults(run=_run_demo)

    provision = sub.add_parser(
        "provision",
        help="prepare Elasticsearch, Kibana and Graylog for hopscope records",
        description=(
            "Set up the compose stack's servers, idempotently: Kibana's service password and "
            "the index template on Elasticsearch, the data view and saved searches on Kibana, "
            "the GELF HTTP input (content pack) on Graylog. Passwords come from the "
            "environment: ELASTIC_PASSWORD, KIBANA_SYSTEM_PASSWORD, GRAYLOG_ROOT_PASSWORD."
        ),
    )
    provision.add_argument("--elasticsearch", default="http://elasticsearch:9200", metavar="URL")
    provision.add_argument("--kibana", default="http://kibana:5601", metavar="URL")
    provision.add_argument("--graylog", default="http://graylog:9000", metavar="URL")
    provision.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=("elasticsearch", "kibana", "graylog"),
        help="leave this server alone (repeatable)",
    )
    provision.add_argument(
        "--replicas",
        type=_count,
        metavar="N",
        help="replicas of each hopscope index, in the template and on the indices there "
        "already (0 for a single node, as in the compose stack; default: the server's, 1)",
    )
    provision.add_argument(
        "--wait",
        type=_seconds,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for each server to come up (%(default)s)",
    )
    provision.set_defaults(run=_run_provision)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is not between 1 and 65535")
    return port


def _service_port(text: str) -> tuple[str, int]:
    name, sep, port = text.partition("=")
    if not sep or name not in SERVICE_NAMES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: write SERVICE=PORT with SERVICE one of {', '.join(SERVICE_NAMES)}"
        )
    return name, _port(port)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must not be negative")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be positive")
    return value


def _run_demo(args: argparse.Namespace) -> int:
    from stack.demo.faults import parse_faults
    from stack.launch import DEFAULT_PORTS, DemoOptions, run_demo

    try:
        parse_faults(args.faults)
    except ValueError as exc:
        print(f"hopscope demo: {exc}", file=sys.stderr)
        return 2
    ports = {**DEFAULT_PORTS, **dict(args.port)}
    taken = [
        p
        for p in [*ports.values(), args.dashboard_port]
        if [*ports.values(), args.dashboard_port].count(p) > 1
    ]
    if taken:
        print(f"hopscope demo: port {taken[0]} is given to two services", file=sys.stderr)
        return 2
    options = DemoOptions(
        host=args.host,
        ports=ports,
        dashboard_port=args.dashboard_port,
        state_dir=args.state_dir,
        store=args.store,
        duration=args.duration,
        browser=not args.no_browser,
        dashboard=not args.no_dashboard,
        faults=args.faults,
        rate=args.rate,
    )
    return run_demo(options)


def _run_provision(args: argparse.Namespace) -> int:
    from stack.provision import HttpApi, elasticsearch_step, graylog_step, kibana_step, run_steps

    steps = []
    apis: list[HttpApi] = []
    if "elasticsearch" not in args.skip:
        es = HttpApi("Elasticsearch", args.elasticsearch, auth=_auth("elastic", "ELASTIC_PASSWORD"))
        apis.append(es)
        kibana_password = os.environ.get("KIBANA_SYSTEM_PASSWORD")
        steps.append(elasticsearch_step(es, kibana_password, args.wait, args.replicas))
    if "kibana" not in args.skip:
        kibana = HttpApi(
            "Kibana",
            args.kibana,
            auth=_auth("elastic", "ELASTIC_PASSWORD"),
            headers={"kbn-xsrf": "hopscope"},
        )
        apis.append(kibana)
        steps.append(kibana_step(kibana, args.wait))
    if "graylog" not in args.skip:
        graylog = HttpApi(
            "Graylog",
            args.graylog,
            auth=_auth("admin", "GRAYLOG_ROOT_PASSWORD"),
            headers={"X-Requested-By": "hopscope"},
        )
        apis.append(graylog)
        steps.append(graylog_step(graylog, args.wait))
    try:
        return run_steps(steps, lambda text: print(f"hopscope provision: {text}", flush=True))
    finally:
        for api in apis:
            api.close()


def _auth(user: str, variable: str) -> tuple[str, str] | None:
    password = os.environ.get(variable)
    return (user, password) if password else None
