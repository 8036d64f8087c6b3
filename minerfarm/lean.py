"""Optional parts of libraries that the ``minerfarm`` program never uses, kept from loading.

httpx imports its command-line client (``httpx._main``) whenever click, rich and pygments are
installed, and so loads rich and pygments (about 6 MB); httpcore imports its HTTP/2 connection,
and with it h2 and hpack (about 1 MB), whenever h2 is installed (the commander's hypercorn
needs it), though minerfarm's clients speak HTTP/1.1 only. On a rig that memory is a third of
the sentry's budget (40 MB RSS).

:func:`skip_unused_parts` marks those modules absent in ``sys.modules``, where an import of
them fails with ``ImportError``, which httpx and httpcore catch for optional parts (falling
back to a stub ``main`` and to "HTTP/2 is not installed"). Only the ``minerfarm`` program calls
it (:mod:`minerfarm.cli`), before anything imports httpx: a program that imports minerfarm as
a library keeps its httpx whole.
"""

from __future__ import annotations

import sys

UNUSED = (
    "httpx._main",  # httpx's own CLI: rich, pygments
    "httpcore._async.http2",  # HTTP/2: h2, hpack, hyperframe
    "httpcore._sync.http2",
)


def skip_unused_parts() -> None:
    """Mark :data:`UNUSED` absent, unless something already imported them."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
