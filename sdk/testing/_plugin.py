"""The pytest side of the kit: its fixtures, and the checks that fail a test after it ran
(an invalid line written, a call no fake answered, a secret in a Sentry event)."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, Protocol

import pytest

from sdk.testing._records import HopRecords, capturing


class _Checked(Protocol):
    def problems(self) -> str | None: ...


#: fixtures whose ``problems()`` are asked after the test function returned
_CHECKED = ("hop_records",)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    result = yield  # a test that failed already is reported as it failed
    values: dict[str, Any] = getattr(item, "funcargs", {})
    found = [p for name in _CHECKED if name in values if (p := _problems(values[name]))]
    if found:
        pytest.fail("\n".join(found), pytrace=False)
    return result


def _problems(kit: _Checked) -> str | None:
    return kit.problems()


@pytest.fixture
def hop_records() -> Iterator[HopRecords]:
    """Every line the SDK writes in this process during the test, instead of on stdout."""
    with capturing(HopRecords()) as records:
        yield records
