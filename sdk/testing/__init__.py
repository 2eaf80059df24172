"""``sdk.testing``: the pytest kit for services that use hopscope.

Load it in a service's ``conftest.py`` (it is not loaded by merely installing the SDK)::

    pytest_plugins = ["sdk.testing"]

Fixtures: ``hop_records`` (the records the SDK writes during the test, checked against the
schema, with the hop chain they make). Needs the ``testing`` extra
(``pip install hopscope[testing]``).
"""

from __future__ import annotations

from sdk.testing._plugin import hop_records as hop_records
from sdk.testing._plugin import pytest_runtest_call as pytest_runtest_call
from sdk.testing._records import HopRecords, InvalidLine

__all__ = [
    "HopRecords",
    "InvalidLine",
]
