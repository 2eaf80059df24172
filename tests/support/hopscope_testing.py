"""Helpers shared across the test folders: loading helper files by path, the
OpenSearch-API engine fixtures, and example counts that follow the Hypothesis profile.

``tests/`` is not a package: its folders are named after the packages they test (``sdk``,
``collector``), and as packages they would shadow them. Helper modules beside the tests are
therefore loaded by path, once each, under a name of their own.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from osmem_server import OsmemClone, OsmemServer


#: Hypothesis's own default count, against which the active profile's is a share.
_DEFAULT_EXAMPLES = 100


def examples(thorough: int) -> int:
    """*thorough* examples under the suite's own profile, the profile's share of them under
    another (``stack test --fast`` draws a quarter): a test that sets its own count would
    otherwise keep it in the fast loop. Read when the test module is imported, after pytest
    has loaded the profile."""
    return max(1, thorough * settings.default.max_examples // _DEFAULT_EXAMPLES)


def load_module(path: Path, name: str) -> ModuleType:
    """The module in *path*, imported as *name* on first use and reused after."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


#: the helper services the SDK tests run (``tests/sdk/services``)
SDK_SERVICES = Path(__file__).resolve().parents[1] / "sdk" / "services"


def sdk_service(name: str) -> ModuleType:
    """``tests/sdk/services/<name>.py``, loaded once under one name for every test module."""
    return load_module(SDK_SERVICES / f"{name}.py", f"hopscope_test_{name}")


#: the collector tests' search-engine helpers (a fault proxy that can pose as Elasticsearch)
SEARCH_FIXTURES = (
    Path(__file__).resolve().parents[1] / "collector" / "sinks" / "search" / "conftest_search.py"
)


def search_fixtures() -> ModuleType:
    """``tests/collector/sinks/search/conftest_search.py``, loaded once under one name for
    every test module."""
    return load_module(SEARCH_FIXTURES, "hopscope_search_fixtures")


# The engine fixtures: import them into a conftest or test module to use them there.


@pytest.fixture(scope="session")
def search_engine() -> Iterator[OsmemServer]:
    """One engine per module or conftest that imports it, kept for the session; each test
    works in its own clone of it."""
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False)
    yield server
    server.close()


@pytest.fixture
def engine(search_engine: OsmemServer) -> Iterator[OsmemClone]:
    clone = search_engine.clone()
    yield clone
    clone.close()
