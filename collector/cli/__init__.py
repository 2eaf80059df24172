"""Commands of the collector package: ``collect``, ``run`` and ``deadletters``.

:func:`register` adds them to the ``hopscope`` parser (:mod:`collector.cli.parser`); each
command is a module of its own, with the set-up they share in :mod:`collector.cli.session`.
"""

from collector.cli.parser import register

__all__ = ["register"]
