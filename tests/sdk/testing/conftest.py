"""The kit's tests run small service test suites with pytester and read their outcome.

The apps under test (a FastAPI, a Starlette and a Flask one) live in ``apps.py`` beside
this file, the ones that check tokens in ``guarded.py``; each pytester run gets both copied
in as ``apps`` and ``guarded``."""

from __future__ import annotations

from pathlib import Path

# Imported here, once for the worker: pytester's in-process runs drop every module a run
# imported first, so a framework first imported inside one run would be imported again in
# the next, with new classes that the kit's isinstance checks no longer recognise.
import fastapi  # noqa: F401
import flask  # noqa: F401
import pytest
import starlette.applications
import starlette.endpoints
import starlette.routing  # noqa: F401

APPS = Path(__file__).with_name("apps.py")
GUARDED = Path(__file__).with_name("guarded.py")


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester directory with the apps and a conftest that loads the kit."""
    pytester.makeconftest('pytest_plugins = ["sdk.testing"]\n')
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(apps=APPS.read_text(), guarded=GUARDED.read_text())
    return pytester
