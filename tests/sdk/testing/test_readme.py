"""The README's "Testing your services" example runs as written: each of its code blocks
that starts with a file name comment is that file of a service's test suite, run against
the example's payment gateway (``payments_app.py`` beside this file)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

README = Path(__file__).parents[3] / "README.md"
PAYMENTS = Path(__file__).with_name("payments_app.py")
_BLOCK = re.compile(r"^```python\n# (\w+\.py)\b[^\n]*\n(.*?)^```", re.S | re.M)


def example_files() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Testing your services\n")
    section = text[start : text.index("\n## ", start + 1)]
    return dict(_BLOCK.findall(section))


def test_the_readme_example_runs(pytester: pytest.Pytester) -> None:
    files = example_files()
    assert set(files) == {"conftest.py", "test_payments.py"}
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.mkpydir("payments")
    (pytester.path / "payments" / "app.py").write_text(PAYMENTS.read_text())
    for name, body in files.items():
        (pytester.path / name).write_text(body)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
