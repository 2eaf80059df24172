"""A small JSON-over-HTTP client for the provisioning steps: clear errors, patient waiting."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx


class ApiError(RuntimeError):
    """A server refused a provisioning request or never became ready; says which and why."""


class HttpApi:
    """One server's HTTP API, with its base URL, credentials and required headers."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url,
            auth=auth,
            headers=dict(headers or {}),
            timeout=timeout,
            transport=transport,
        )

    def request(
        self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            where = f"{self.name} at {self.base_url}"
            raise ApiError(f"{where}: {method} {path} failed: {exc}") from exc
        if response.status_code not in ok:
            raise ApiError(
                f"{self.name} refused {method} {path}: HTTP {response.status_code} "
                f"{response.text[:500]}"
            )
        return response

    def wait_ready(self, path: str, deadline_s: float, ready: tuple[int, ...] = (200,)) -> None:
        """Poll *path* until it answers with a *ready* status or the deadline passes."""
        until = time.monotonic() + deadline_s
        last = "no answer"
        while True:
            try:
                response = self._client.get(path)
                if response.status_code in ready:
                    return
                last = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            if time.monotonic() >= until:
                raise ApiError(
                    f"{self.name} at {self.base_url} was not ready after {deadline_s:.0f}s "
                    f"({path}: {last})"
                )
            time.sleep(2.0)

    def close(self) -> None:
        self._client.close()
