"""``python3 -m stack demo|test``: the two Quick start commands.

Runs with nothing but the standard library: it makes the project's virtual environment from
the lock file on first use, then hands over to the real command inside it.
"""

from stack.bootstrap import main

raise SystemExit(main())
