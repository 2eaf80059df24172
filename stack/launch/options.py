"""What ``hopscope demo`` is asked to run, and where it keeps its files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sdk.log import hide_url
from sdk.store import STATE_DIR, store_url_in
from stack.launch.plan import DASHBOARD_PORT, DEFAULT_PORTS


class DemoError(RuntimeError):
    """The demo could not start; the message says what to do."""


@dataclass
class DemoOptions:
    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    dashboard_port: int = DASHBOARD_PORT
    state_dir: Path = Path(STATE_DIR)
    store: str | None = None  # default: the store in state_dir
    duration: float | None = None
    browser: bool = True
    dashboard: bool = True
    faults: str = "all"
    rate: float = 4.0

    @property
    def store_url(self) -> str:
        return self.store or store_url_in(self.state_dir)

    @property
    def store_shown(self) -> str:
        """The store URL without its password, for the terminal and the summary file."""
        return hide_url(self.store_url)

    @property
    def demo_dir(self) -> Path:
        return self.state_dir / "demo"

    @property
    def log_dir(self) -> Path:
        return self.demo_dir / "logs"

    @property
    def traffic_report(self) -> Path:
        return self.demo_dir / "traffic.jsonl"
