"""The package's public names are what ``__all__`` says, however the submodules were
imported before (a lazy name must never be shadowed by its submodule)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import sdk

Run = Callable[..., subprocess.CompletedProcess[bytes]]


def test_every_public_name_resolves() -> None:
    for name in sdk.__all__:
        assert getattr(sdk, name) is not None, name


def test_instrument_is_the_function_after_its_submodule_was_imported(run_python: Run) -> None:
    code = (
        "from sdk.inbound._instrument import flask_route\n"
        "import sdk\n"
        "print(callable(sdk.instrument), type(sdk.instrument).__name__)\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [b"True", b"function"]


def test_clients_load_on_first_use(run_python: Run) -> None:
    code = (
        "import sys, sdk\n"
        "before = 'sdk.client._s2s' in sys.modules\n"
        "sdk.S2SClient\n"
        "print(before, 'sdk.client._s2s' in sys.modules)\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [b"False", b"True"]
