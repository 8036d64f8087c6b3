"""The ``minerfarm`` program's entry point (the installed command, ``python -m minerfarm``,
``minerfarm.pyz``).

``minerfarm sentry run`` with plain options starts without click
(:mod:`minerfarm.sentry.quickrun`: about 1.1 MB less of a rig's memory); every other command
line goes to the click command line, :mod:`minerfarm.cli`.
"""

from __future__ import annotations

import sys

from minerfarm.lean import skip_unused_parts


def main() -> None:
    skip_unused_parts()  # before the sentry imports pydantic (minerfarm.cli does it too)
    from minerfarm.sentry import quickrun

    if quickrun.main(sys.argv[1:]):
        return
    from minerfarm.cli import main as cli

    cli()
