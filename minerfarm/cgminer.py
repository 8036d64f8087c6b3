"""The cgminer RPC client shared by every cgminer-style miner (sgminer, bmminer, BOSminer,
btminer, Avalon cgminer, TeamRedMiner): JSON over TCP (port 4028 by default).

Request: ``{"command": "summary", "parameter": "..."}``; the miner answers one JSON document
and closes the connection (many firmwares end it with a NUL byte instead of or before EOF).
Joined commands (``"summary+pools"``) answer ``{"summary": [{...}], "pools": [{...}], "id": 1}``.

Firmware quirks :func:`decode` survives (see ``tests/test_cgminer.py`` for the captures):

- a trailing NUL (and whitespace) after the document;
- ``}{`` with no comma between objects in a list (Antminer bmminer ``stats``);
- trailing commas (``,}`` / ``,]``), a leading comma (``,"id":1}``), bare ``inf``/``nan``;
- invalid escapes inside strings (``"C:\\miner"``, ``"\\x"``) and raw control characters;
- several top-level documents sent back to back (a joined reply written as
  ``{...summary...}{...pools...}``): merged into the joined-command shape above;
- numbers sent as strings (``"GHS 5s": "13630.55"``, ``"chain_power": "3250 W"``): kept as
  they came; read them with :func:`as_float` / :func:`as_int`, which give ``None`` (never 0)
  for what is not a number.

Errors, one tree (connect and read share one ``asyncio.timeout``)::

    CgminerError
    ├── CgminerUnreachable     connect refused / unroutable / connect timed out
    ├── CgminerTimeout         connected, but no complete reply in time
    ├── CgminerReplyInvalid    reply too large, empty, or not JSON even after the repairs
    └── CgminerCommandError    the miner answered STATUS "E" (unknown command, access denied)
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from typing import Any

import orjson

DEFAULT_PORT = 4028
DEFAULT_TIMEOUT = 5.0
# A healthy reply is a few kB (Avalon ``stats`` ~10 kB); a bugged btminer can stream error
# lists without end. Refuse rather than buffer unbounded data from a device on the LAN.
MAX_REPLY_BYTES = 1 << 20


class CgminerError(Exception):
    """Base of every error talking to a cgminer-style RPC API."""

    def __init__(self, message: str, *, host: str | None = None, port: int | None = None,
                 command: str | None = None) -> None:
        super().__init__(message)
        self.host = host
        self.port = port
        self.command = command


class CgminerUnreachable(CgminerError):
    """Nothing accepted the TCP connection (refused, unroutable, or connect timed out)."""


class CgminerTimeout(CgminerError):
    """Connected, but the reply did not arrive (completely) in time."""


class CgminerReplyInvalid(CgminerError):
    """The reply is too large, empty, or not JSON even after the known quirks are repaired."""


class CgminerCommandError(CgminerError):
    """The miner answered with ``STATUS: "E"``."""


async def query(host: str, port: int, command: str, parameter: str | None = None, *,
                timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 (the shared API)
                max_reply_bytes: int = MAX_REPLY_BYTES,
                check_status: bool = True) -> dict[str, Any]:
    """Send one command (or a ``+``-joined command) and return the decoded reply.

    One ``asyncio.timeout`` covers connect, write and read. Raises a :class:`CgminerError`;
    with ``check_status=False`` a ``STATUS: "E"`` reply is returned instead of raised (for
    joined commands where some parts may fail: see :func:`status_error`).
    """
    request: dict[str, str] = {"command": command}
    if parameter is not None:
        request["parameter"] = parameter
    where: dict[str, Any] = {"host": host, "port": port, "command": command}
    connected = False
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError as exc:
                raise CgminerUnreachable(f"{host}:{port}: {exc.strerror or exc}", **where) from exc
            connected = True
            writer.write(json.dumps(request).encode())
            await writer.drain()
            raw = await _read_reply(reader, max_reply_bytes)
    except TimeoutError as exc:
        if not connected:
            raise CgminerUnreachable(f"{host}:{port}: connect timed out after {timeout:g}s",
                                     **where) from exc
        raise CgminerTimeout(f"{host}:{port}: no reply to {command!r} within {timeout:g}s",
                             **where) from exc
    except OSError as exc:
        raise CgminerReplyInvalid(f"{host}:{port}: connection lost: {exc}", **where) from exc
    finally:
        if writer is not None:
            writer.close()
    if len(raw) > max_reply_bytes:
        raise CgminerReplyInvalid(f"{host}:{port}: reply over {max_reply_bytes} bytes", **where)
    try:
        data = decode(raw)
    except CgminerReplyInvalid as exc:
        raise CgminerReplyInvalid(f"{host}:{port}: {exc}", **where) from exc
    if check_status:
        _check_status(data, host, port, command)
    return data


async def _read_reply(reader: asyncio.StreamReader, limit: int) -> bytes:
    """Read until EOF or a NUL, stopping one byte past ``limit`` so the caller can refuse."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = await reader.read(65536)
        if not chunk:
            break
        nul = chunk.find(b"\x00")
        if nul >= 0:
            chunks.append(chunk[:nul])
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def status_error(reply: dict[str, Any]) -> str | None:
    """The miner's message if ``reply`` (one command's reply) says ``STATUS: "E"``, else None."""
    status = reply.get("STATUS")
    entry = status[0] if isinstance(status, list) and status else status
    if isinstance(entry, dict):
        code, message = entry.get("STATUS"), entry.get("Msg")
    else:  # newer btminer: {"STATUS": "E", "Msg": "..."} at top level
        code, message = entry, reply.get("Msg")
    if code == "E":
        return str(message) if message is not None else "error"
    return None


def _check_status(data: dict[str, Any], host: str, port: int, command: str) -> None:
    """Raise :class:`CgminerCommandError` if the reply (or a part of a joined one) says E."""
    parts = [data]
    if "+" in command and status_error(data) is None:
        parts = [part for name in command.split("+")
                 for part in (data.get(name) or []) if isinstance(part, dict)]
    for part in parts:
        message = status_error(part)
        if message is not None:
            raise CgminerCommandError(f"{host}:{port}: {command!r} refused: {message}",
                                      host=host, port=port, command=command)


# --- decoding ------------------------------------------------------------------------------

_VALID_ESCAPES = frozenset('"\\/bfnrtu')
_BARE_WORDS = {"inf": "null", "-inf": "null", "nan": "null", "-nan": "null"}


def decode(raw: bytes) -> dict[str, Any]:
    """Decode a cgminer RPC reply, repairing the firmware quirks listed in the module doc.

    Several top-level documents are merged into the joined-command shape
    ``{"summary": [{...}], "pools": [{...}]}``. Raises :class:`CgminerReplyInvalid`.
    """
    try:  # most replies are plain JSON: orjson reads them several times faster
        fast = orjson.loads(raw.rstrip(b"\x00 \t\r\n"))
    except orjson.JSONDecodeError:
        fast = None  # a BOM, bad UTF-8, NaN, control characters, a quirk: the careful way
    if isinstance(fast, dict):
        return fast
    text = raw.decode("utf-8", errors="replace").rstrip("\x00 \t\r\n").lstrip("\ufeff \t\r\n")
    if not text:
        raise CgminerReplyInvalid("empty reply")
    try:
        data = json.loads(text, strict=False)
    except json.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        return data
    documents = _split_documents(_repair(text))
    if len(documents) == 1:
        return documents[0]
    return _merge(documents)


_SIGNIFICANT = re.compile(r'["{}\[\]A-Za-z-]')  # what _repair looks at; the rest is copied
_WORD = re.compile(r"-?[A-Za-z]+")
_STRING_STOP = re.compile(r'["\\]')
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")


def _repair(text: str) -> str:
    """Fix the syntax quirks outside string literals, and bad escapes inside them. Runs of
    plain characters (numbers, commas, blanks) are copied as one slice."""
    out: list[str] = []
    depth = 0
    if text.startswith(","):  # Avalon: ',"id":1}' with the opening brace lost
        text = "{" + text[1:]
    i, n = 0, len(text)
    while i < n:
        found = _SIGNIFICANT.search(text, i)
        if found is None:
            out.append(text[i:])
            break
        if found.start() > i:
            out.append(text[i:found.start()])
        i = found.start()
        char = text[i]
        if char == '"':
            i = _scan_string(text, i, out)
            continue
        if char in "{[":
            if depth > 0 and _last_significant(out) in ("}", "]"):
                out.append(",")  # '}{' inside a list: the comma bmminer forgets
            depth += 1
        elif char in "}]":
            depth -= 1
            _drop_trailing_comma(out)
        else:  # a bare word (inf, nan, true...), or a lone '-': a number's sign
            word = _WORD.match(text, i)
            if word is not None:
                token = word.group(0)
                out.append(_BARE_WORDS.get(token.lower(), token))
                i += len(token)
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _scan_string(text: str, start: int, out: list[str]) -> int:
    """Copy the string literal at ``start`` to ``out``, doubling invalid backslashes."""
    out.append('"')
    i, n = start + 1, len(text)
    while i < n:
        found = _STRING_STOP.search(text, i)
        if found is None:
            out.append(text[i:])
            return n
        out.append(text[i:found.start()])
        i = found.start()
        if text[i] == '"':
            out.append('"')
            return i + 1
        following = text[i + 1:i + 2]
        if following in _VALID_ESCAPES and following and (
                following != "u" or _HEX4.fullmatch(text, i + 2, i + 6)):
            out.append(text[i:i + 2])
            i += 2
            continue
        out.append("\\\\")  # an invalid escape: keep the backslash as a character
        i += 1
    return n


def _last_significant(out: list[str]) -> str:
    for piece in reversed(out):
        stripped = piece.rstrip()
        if stripped:
            return stripped[-1]
    return ""


def _drop_trailing_comma(out: list[str]) -> None:
    """Before a closing bracket: drop the comma the last significant piece ends with."""
    for index in range(len(out) - 1, -1, -1):
        stripped = out[index].rstrip()
        if stripped:
            if stripped.endswith(","):
                out[index] = stripped[:-1]
            return


def _split_documents(text: str) -> list[dict[str, Any]]:
    decoder = json.JSONDecoder(strict=False)
    documents: list[dict[str, Any]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n\x00,":
            i += 1
        if i >= n:
            break
        try:
            value, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise CgminerReplyInvalid(f"not JSON even after repairs: {exc}") from exc
        if not isinstance(value, dict):
            raise CgminerReplyInvalid(f"expected a JSON object, got {type(value).__name__}")
        documents.append(value)
    if not documents:
        raise CgminerReplyInvalid("empty reply")
    return documents


def _merge(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Back-to-back documents -> ``{"summary": [doc], "pools": [doc], ...}``."""
    merged: dict[str, Any] = {}
    for document in documents:
        sections = [key for key in document if key not in ("STATUS", "id")]
        name = sections[0].lower() if sections else f"reply{len(merged)}"
        merged.setdefault(name, []).append(document)
    merged["id"] = 1
    return merged


# --- reading values ------------------------------------------------------------------------

_LEADING_NUMBER = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)")


def as_float(value: Any) -> float | None:
    """A number the firmware may have sent as a number or a string (``"13630.55"``,
    ``"3250 W"``); ``None`` for missing, empty, ``inf``/``nan`` or non-numeric text."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        match = _LEADING_NUMBER.match(value)
        if match is None:
            return None
        number = float(match.group(1))
    else:
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def as_int(value: Any) -> int | None:
    """:func:`as_float` rounded down to an int, ``None`` stays ``None``."""
    number = as_float(value)
    return None if number is None else int(number)


def section(reply: dict[str, Any], name: str, command: str | None = None) -> list[dict[str, Any]]:
    """The entries of section ``name`` (``"SUMMARY"``) of a plain or joined reply.

    For a joined reply pass the sub-command (``command="summary"``). Missing -> ``[]``.
    """
    if command is not None and command in reply:
        parts = reply[command]
        reply = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], dict) \
            else {}
    entries = reply.get(name)
    if isinstance(entries, dict):
        return [entries]
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, dict)]
