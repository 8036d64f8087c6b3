"""A simulated miner API: replays captured replies over a real loopback socket.

HTTP for the JSON-API miners, raw TCP (cgminer style) for the others, chosen by the software's
adapter, which also says which path or command each reply answers. For tests and demos::

    async with simulate("xmrig", {"summary": path_a, "backends": path_b}) as miner:
        await read_miner("xmrig", miner.url)

    async with simulate("trex", path) as miner:          # a single-request adapter
        miner.replies["summary"] = Fault.HANG            # change what it says, while it runs

A reply is bytes (sent as they are: lies welcome), a file to read them from, or a
:class:`Fault`. Requests the replies do not cover get HTTP 404 / a cgminer ``STATUS "E"``.
From a shell: ``python -m minerfarm.sentry.simulator trex summary=capture.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import enum
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from minerfarm.sentry.miners import adapter_for


class Fault(enum.Enum):
    HANG = "hang"  # read the request, then never answer (until the simulator stops)
    GARBAGE = "garbage"  # answer bytes that are not JSON (a 200 OK for HTTP)
    CLOSE = "close"  # close the connection without a word


Reply = bytes | Fault
GARBAGE = b"\x00\xff<html>not the API you are looking for</html>\x00"


@dataclass
class SimulatedMiner:
    software: str
    url: str  # http://127.0.0.1:PORT or tcp://127.0.0.1:PORT
    replies: dict[str, Reply]  # by the adapter's request name; may be changed while serving
    requests_seen: list[str] = field(default_factory=list)


@contextlib.asynccontextmanager
async def simulate(software: str, replies: Mapping[str, Reply | Path] | Reply | Path, *,
                   host: str = "127.0.0.1") -> AsyncIterator[SimulatedMiner]:
    """Serve ``software``'s API on ``host`` at a free port until the block ends."""
    adapter = adapter_for(software)
    if not isinstance(replies, Mapping):  # one reply: the adapter's one required request
        required = [name for name in adapter.requests if name not in adapter.optional]
        if len(required) != 1:
            raise ValueError(f"{software} needs replies for {', '.join(adapter.requests)}")
        replies = {required[0]: replies}
    loaded = {name: _load(reply) for name, reply in replies.items()}
    routes = {what: name for name, what in adapter.requests.items()}
    miner = SimulatedMiner(software=adapter.software, url="", replies=loaded)
    handlers: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            serve = _serve_http if adapter.dialect == "http" else _serve_tcp
            await serve(reader, writer, routes, miner)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client went away: nothing to answer
        finally:
            handlers.discard(task)
            writer.close()

    server = await asyncio.start_server(handle, host, 0)
    port = server.sockets[0].getsockname()[1]
    miner.url = f"{adapter.dialect}://{host}:{port}"
    try:
        yield miner
    finally:
        server.close()
        for task in list(handlers):  # a hung handler would otherwise outlive the simulator
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()


def _load(reply: Reply | Path) -> Reply:
    return reply.read_bytes() if isinstance(reply, Path) else reply


async def _answer(reply: Reply | None, writer: asyncio.StreamWriter, ok: bytes) -> None:
    if reply is Fault.HANG:
        await asyncio.Event().wait()
    if reply is Fault.CLOSE:
        return
    writer.write(GARBAGE if reply is Fault.GARBAGE else ok)
    await writer.drain()


async def _serve_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      routes: Mapping[str, str], miner: SimulatedMiner) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    path = request_line.split(" ")[1] if request_line.count(" ") >= 2 else "/"
    name = routes.get(path.split("?", 1)[0])
    miner.requests_seen.append(path)
    reply = miner.replies.get(name) if name is not None else None
    if isinstance(reply, bytes):
        ok = _http(200, "OK", reply)
    else:
        ok = _http(404, "Not Found", b'{"error": "not found"}')
    await _answer(reply, writer, ok)


def _http(status: int, reason: str, body: bytes) -> bytes:
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode("ascii") + body


async def _serve_tcp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     routes: Mapping[str, str], miner: SimulatedMiner) -> None:
    # cgminer reads one request per connection: a JSON object, or "command|parameter".
    raw = (await reader.read(65536)).decode("utf-8", errors="replace").strip("\x00 \r\n")
    try:
        command = str(json.loads(raw).get("command", ""))
    except (json.JSONDecodeError, AttributeError):
        command = raw.split("|", 1)[0]
    miner.requests_seen.append(command)
    name = routes.get(command)
    reply = miner.replies.get(name) if name is not None else None
    if isinstance(reply, bytes):
        ok = reply + b"\x00"  # cgminer ends its answer with a NUL
    else:
        ok = (b'{"STATUS":[{"STATUS":"E","When":0,"Code":14,"Msg":"Invalid command",'
              b'"Description":"simulator"}],"id":1}\x00')
    await _answer(reply, writer, ok)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("software")
    parser.add_argument("replies", nargs="+", metavar="NAME=FILE",
                        help="a reply file per adapter request, e.g. summary=capture.json")
    args = parser.parse_args(argv)
    replies = dict(item.split("=", 1) for item in args.replies)

    async def serve() -> None:
        async with simulate(args.software, {k: Path(v) for k, v in replies.items()}) as miner:
            print(miner.url, flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
