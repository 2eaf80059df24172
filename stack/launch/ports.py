"""Loopback ports for the demo: checked before anything starts, so a taken port is one clear
error instead of a service dying half-way through start-up."""

from __future__ import annotations

import socket
from collections.abc import Mapping


class PortTaken(RuntimeError):
    """A port the demo needs is in use; the message names it, its owner and the way out."""


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # The same option uvicorn sets: a port left in TIME_WAIT by a previous run is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_ports(host: str, ports: Mapping[str, int], hint: Mapping[str, str]) -> None:
    """Raise :class:`PortTaken` naming every busy port (``hint``: the option that moves it)."""
    busy = [name for name, port in ports.items() if not port_is_free(host, port)]
    if busy:
        lines = [
            f"port {ports[name]} on {host} ({name}) is already in use; "
            f"choose another with {hint.get(name, '--port')}"
            for name in busy
        ]
        raise PortTaken("\n".join(lines))


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_listening(host: str, port: int) -> bool:
    """One probe: does something accept connections on ``host:port``?"""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False
