"""The demo's traffic: users sign in at SSO and pay for their carts at the payment gateway.

It stands for the shop's web and mobile front ends: it starts each request's trace (a W3C
``traceparent`` it makes up) but writes no records of its own, so the payment gateway's hop
is the root of every chain. Faults come from a :class:`~stack.demo.faults.FaultSchedule`.

Run: ``python -m stack.demo.traffic --gateway URL --sso URL`` with ``SSO_USERS`` set.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import secrets
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import httpx

from stack.demo import settings
from stack.demo.catalog import cart_total
from stack.demo.faults import Fault, FaultSchedule, parse_faults

#: every so many healthy requests, one pays the wrong amount (a 409, not a fault)
WRONG_AMOUNT_EVERY = 7
_TOKEN_MARGIN_S = 10.0


@dataclass(frozen=True, slots=True)
class Sent:
    """One payment request and how it ended."""

    number: int
    trace_id: str
    user: str
    cart_id: int
    fault: str | None
    wrong_amount: bool
    status: int | None
    error: str | None
    elapsed_ms: float


def traceparent() -> tuple[str, str]:
    """A new trace: ``(trace id, traceparent header)``."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return trace_id, f"00-{trace_id}-{span_id}-01"


class Storefront:
    """Signs users in (keeping each token until shortly before it expires) and pays carts."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        sso_url: str,
        gateway_url: str,
        passwords: Mapping[str, str],
    ) -> None:
        self.client = client
        self.sso_url = sso_url.rstrip("/")
        self.gateway_url = gateway_url.rstrip("/")
        self.passwords = dict(passwords)
        self._tokens: dict[str, tuple[str, float]] = {}

    async def token(self, user: str) -> str:
        cached = self._tokens.get(user)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        response = await self.client.post(
            f"{self.sso_url}/token",
            data={"grant_type": "password", "username": user, "password": self.passwords[user]},
        )
        response.raise_for_status()
        answer = response.json()
        lifetime = float(answer.get("expires_in", 60))
        until = time.monotonic() + max(lifetime - _TOKEN_MARGIN_S, lifetime / 2)
        self._tokens[user] = (str(answer["access_token"]), until)
        return str(answer["access_token"])

    async def pay(self, number: int, fault: Fault | None) -> Sent:
        users = sorted(self.passwords)
        user = users[number % len(users)]
        cart_id = 1000 + number
        wrong = fault is None and number % WRONG_AMOUNT_EVERY == WRONG_AMOUNT_EVERY - 2
        amount = cart_total(cart_id) + (100 if wrong else 0)
        trace_id, parent = traceparent()
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            token = await self.token(user)
            response = await self.client.post(
                f"{self.gateway_url}/payments",
                json={
                    "cart_id": cart_id,
                    "amount_cents": amount,
                    "fault": fault.value if fault else None,
                },
                headers={"authorization": f"Bearer {token}", "traceparent": parent},
            )
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - started) * 1000
        return Sent(
            number,
            trace_id,
            user,
            cart_id,
            fault.value if fault else None,
            wrong,
            status,
            error,
            round(elapsed, 1),
        )


async def generate(
    storefront: Storefront,
    schedule: FaultSchedule,
    *,
    rate: float,
    duration: float | None,
    concurrency: int,
    stop: asyncio.Event,
    on_sent: Callable[[Sent], None],
) -> int:
    """Send payments at about ``rate`` per second until ``duration`` or ``stop``; the count."""
    numbers = itertools.count()
    deadline = None if duration is None else time.monotonic() + duration
    interval = 1.0 / rate
    next_at = time.monotonic()
    sent = 0

    async def worker() -> None:
        nonlocal next_at, sent
        while not stop.is_set():
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return
            wait = next_at - now
            next_at = max(next_at, now) + interval
            if wait > 0:
                try:
                    await asyncio.wait_for(stop.wait(), wait)
                    return
                except TimeoutError:
                    pass
            number = next(numbers)
            on_sent(await storefront.pay(number, schedule.fault_for(number)))
            sent += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stack.demo.traffic",
        description="Send demo payments (users from SSO_USERS) with optional injected faults.",
    )
    parser.add_argument("--gateway", required=True, help="payment gateway base URL")
    parser.add_argument("--sso", required=True, help="SSO base URL (users sign in there)")
    parser.add_argument("--rate", type=float, default=4.0, help="payments per second (4)")
    parser.add_argument("--duration", type=float, default=None, help="seconds; default: forever")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight (4)")
    parser.add_argument(
        "--faults",
        default="all",
        help="all, none, or a comma list of: " + ", ".join(f.value for f in Fault),
    )
    parser.add_argument("--every", type=int, default=3, help="one request in EVERY has a fault")
    parser.add_argument("--report", type=Path, help="append one JSON line per request here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        schedule = FaultSchedule(parse_faults(args.faults), args.every)
        passwords = settings.pairs(settings.USERS)
    except (ValueError, settings.SettingsError) as exc:
        print(f"traffic: {exc}", file=sys.stderr)
        return 2
    if args.rate <= 0 or args.concurrency < 1:
        print("traffic: --rate must be positive and --concurrency at least 1", file=sys.stderr)
        return 2
    return asyncio.run(_run(args, schedule, passwords))


async def _run(args: argparse.Namespace, schedule: FaultSchedule, passwords: dict[str, str]) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    outcomes: Counter[str] = Counter()
    report: IO[str] | None = args.report.open("a", encoding="utf-8") if args.report else None

    def on_sent(sent: Sent) -> None:
        outcomes[str(sent.status) if sent.status else "no answer"] += 1
        if report is not None:
            report.write(json.dumps(asdict(sent)) + "\n")
            report.flush()

    timeout = httpx.Timeout(30.0, connect=5.0)
    async with httpx.AsyncClient(timeout=timeout) as client:
        storefront = Storefront(client, args.sso, args.gateway, passwords)
        count = await generate(
            storefront,
            schedule,
            rate=args.rate,
            duration=args.duration,
            concurrency=args.concurrency,
            stop=stop,
            on_sent=on_sent,
        )
    if report is not None:
        report.close()
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
    print(f"traffic: {count} payments sent ({summary})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
