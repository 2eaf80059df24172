"""Running the demo on one machine: ports, processes, log routes, and ``hopscope demo``."""

from stack.launch.demo import DemoError, DemoOptions, run_demo
from stack.launch.plan import DEFAULT_PORTS, SERVICES, ServicePlan, demo_plan
from stack.launch.ports import PortTaken, check_ports, free_port

__all__ = [
    "DEFAULT_PORTS",
    "SERVICES",
    "DemoError",
    "DemoOptions",
    "PortTaken",
    "ServicePlan",
    "check_ports",
    "demo_plan",
    "free_port",
    "run_demo",
]
