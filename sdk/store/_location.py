"""Where the embedded store lives unless told otherwise: one SQLite file in the state
directory, which the collector keeps its state in and writes records to by default, and
which the dashboards, ``hopscope trace`` and the demo read.

Kept apart from the collector and the dashboards (whose packages import much) so each side,
and the command-line help, can name it for the cost of this module.
"""

from __future__ import annotations

import os
from typing import Final

#: the state directory, relative to where the command runs
STATE_DIR: Final = ".hopscope"
#: the file in it: checkpoints, buffer, dead letters, and the records themselves
STATE_FILE: Final = "hopscope.db"


def store_url_in(state_dir: str | os.PathLike[str]) -> str:
    """The URL of the store in *state_dir*: ``sqlite:///DIR/hopscope.db`` (a relative
    directory gives a relative path, an absolute one four slashes)."""
    return f"sqlite:///{os.path.join(state_dir, STATE_FILE)}"


DEFAULT_STORE_URL: Final = store_url_in(STATE_DIR)
