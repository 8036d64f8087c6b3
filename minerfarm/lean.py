"""Optional parts of libraries that the ``minerfarm`` program never uses, kept from loading.

httpx imports its command-line client (``httpx._main``) whenever click, rich and pygments are
installed, and so loads rich and pygments (about 6 MB); httpcore imports its HTTP/2 connection,
and with it h2 and hpack (about 1 MB), whenever h2 is installed (the commander's hypercorn
needs it), though minerfarm's clients speak HTTP/1.1 only. On a rig that memory counts against the
sentry's budget. (zstandard stays: the commander stores report blocks with it.)

pydantic looks for plugins (the ``pydantic`` entry-point group) when it builds its first
model: that imports :mod:`importlib.metadata` with email, zipfile, csv, bz2, lzma, shutil and
tempfile, and scans every installed distribution's metadata (about 1.2 MB of the sentry's
RSS, measured with ``bench/sentry_footprint.py``). minerfarm uses no pydantic plugin, so the
program gives pydantic a plugin loader that finds none, as ``PYDANTIC_DISABLE_PLUGINS=1``
would, without those imports.

:func:`skip_unused_parts` marks the modules absent in ``sys.modules``, where an import of them
fails with ``ImportError``, which httpx and httpcore catch for optional parts (falling back to
a stub ``main`` and to "HTTP/2 is not installed"), and installs the plugin loader.
Only the ``minerfarm`` program calls it (:mod:`minerfarm.cli`), before anything imports httpx
or pydantic: a program that imports minerfarm as a library keeps its httpx and pydantic whole.

asyncio gives every TLS connection a 256 kB read buffer, written through when it is made
(``asyncio.sslproto.SSLProtocol.max_size``): the sentry keeps two connections to the
commander open, 0.5 MB of its RSS for replies of a few kB. :func:`small_tls_reads` makes it
:data:`TLS_READ_SIZE` (two TLS records: a larger reply is read in more, smaller pieces). Only
the sentries' ``run`` calls it; the commander serves report batches of up to 1 MiB and keeps
asyncio's default.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable

UNUSED = (
    "httpx._main",  # httpx's own CLI: rich, pygments
    "httpcore._async.http2",  # HTTP/2: h2, hpack, hyperframe
    "httpcore._sync.http2",
)

PYDANTIC_PLUGIN_LOADER = "pydantic.plugin._loader"

TLS_READ_SIZE = 32 * 1024  # a TLS record is at most 16 kB of plaintext (18 kB on the wire)


def _no_plugins() -> Iterable[object]:
    return ()


def skip_unused_parts() -> None:
    """Mark :data:`UNUSED` absent and give pydantic a loader that finds no plugin, unless
    something already imported them."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    if PYDANTIC_PLUGIN_LOADER not in sys.modules:
        loader = types.ModuleType(PYDANTIC_PLUGIN_LOADER, "minerfarm: no pydantic plugins")
        loader.get_plugins = _no_plugins  # type: ignore[attr-defined]
        sys.modules[PYDANTIC_PLUGIN_LOADER] = loader


def small_tls_reads() -> None:
    """Read TLS connections opened from now on :data:`TLS_READ_SIZE` at a time (asyncio: 256
    kB, allocated and zeroed per connection)."""
    import asyncio.sslproto  # here: the program's other commands need no asyncio

    asyncio.sslproto.SSLProtocol.max_size = TLS_READ_SIZE
