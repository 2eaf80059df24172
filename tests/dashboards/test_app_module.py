"""The app module is safe to import: it draws nothing and opens no store until run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dashboards.cli import app_path


@pytest.mark.slow
def test_importing_the_app_has_no_side_effects() -> None:
    code = "import dashboards.app as app\nassert callable(app.main)\nprint(sorted(app._PAGES))\n"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"HOPSCOPE_STORE": "nosuch://store", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['logs', 'requests', 'services', 'trace']"
    # Outside a Streamlit run, any drawing call warns about the missing script context;
    # an import that opened the (bad) store would have failed.
    assert done.stderr == ""


def test_hopscope_dashboard_runs_this_app() -> None:
    assert app_path().name == "app.py"
    assert app_path().read_text().rstrip().endswith('if __name__ == "__main__":\n    main()')
