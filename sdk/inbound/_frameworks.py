"""Which framework an app is built with, without importing a framework the service lacks."""

from __future__ import annotations


def is_starlette(app: object) -> bool:
    try:
        from starlette.applications import Starlette
    except ImportError:
        return False
    return isinstance(app, Starlette)


def is_flask(app: object) -> bool:
    try:
        from flask import Flask
    except ImportError:
        return False
    return isinstance(app, Flask)
