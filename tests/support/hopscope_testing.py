"""Loading the test suite's helper files.

``tests/`` is not a package: its folders are named after the packages they test (``sdk``,
``collector``), and as packages they would shadow them. Helper modules beside the tests are
therefore loaded by path, once each, under a name of their own.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


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
