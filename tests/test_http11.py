"""The sentries' HTTP/1.1 client against real sockets: keep-alive as servers do it (reused,
or closed by the server while idle), chunked replies, its errors, and the commander client on
it (pinned TLS, a URL with a path)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from minerfarm import http11
from minerfarm.agent.client import CertificateMismatch, CommanderClient
from minerfarm.commander.tls import generate_self_signed

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def server(handler: Handler) -> AsyncIterator[tuple[str, list[int]]]:
    """``http://127.0.0.1:PORT`` served by ``handler``; the list counts connections."""
    connections: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            await handler(reader, writer)
        finally:
            writer.close()

    listener = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield f"http://127.0.0.1:{port}", connections


async def read_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def reply(body: bytes, *extra: str) -> bytes:
    head = ["HTTP/1.1 200 OK", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        try:
            head = await read_head(reader)
        except asyncio.IncompleteReadError:
            return
        writer.write(reply(head.split(b" ")[1]))


async def one_request_then_close(reader: asyncio.StreamReader,
                                 writer: asyncio.StreamWriter) -> None:
    """A reply without ``Connection: close``, then the server drops the idle connection (as a
    keep-alive timeout does)."""
    await read_head(reader)
    writer.write(reply(b"{}"))
    await writer.drain()


async def test_requests_reuse_one_keep_alive_connection() -> None:
    async with server(keep_alive) as (url, connections), http11.Pool(url) as pool:
        first = await pool.request("GET", "/a")
        second = await pool.request("GET", "/b?x=1")
    assert (first.status_code, first.content, second.content) == (200, b"/a", b"/b?x=1")
    assert len(connections) == 1


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    async with server(one_request_then_close) as (url, connections), \
            http11.Pool(url) as pool:
        await pool.request("GET", "/")
        await asyncio.sleep(0.2)  # the server has closed it meanwhile
        again = await pool.request("GET", "/")
    assert again.json() == {}
    assert len(connections) == 2


async def test_a_chunked_reply_is_read_whole() -> None:
    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nX-A: 2\r\n\r\n"
                     b"3\r\n{\"a\r\n5\r\n\": 1}\r\n0\r\n\r\n")
        await writer.drain()

    async with server(chunked) as (url, _), http11.Pool(url) as pool:
        answer = await pool.request("GET", "/")
    assert answer.json() == {"a": 1}
    assert answer.headers["x-a"] == "1, 2"


async def test_a_body_is_sent_with_its_length() -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        writer.write(reply(await reader.readexactly(length)))
        await writer.drain()

    async with server(echo) as (url, _), http11.Pool(url) as pool:
        answer = await pool.request("POST", "/", body=b'{"seq": 1}')
    assert answer.json() == {"seq": 1}


async def test_silence_is_a_timeout_and_a_closed_port_a_connect_error() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async with server(silent) as (url, _), http11.Pool(url, timeout=0.3) as pool:
        with pytest.raises(http11.Timeout):
            await pool.request("GET", "/")
    with pytest.raises(http11.ConnectError):
        async with http11.Pool(url) as pool:  # the server is gone
            await pool.request("GET", "/")


async def test_a_reply_cut_short_or_not_http_is_an_error_not_a_reply() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"a")
        await writer.drain()

    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"\x00\x01 not http at all\r\n\r\n")
        await writer.drain()

    async with server(cut) as (url, _), http11.Pool(url) as pool:
        with pytest.raises(http11.ConnectionLost):
            await pool.request("GET", "/")
    async with server(garbage) as (url, _), http11.Pool(url) as pool:
        with pytest.raises(http11.ProtocolError):
            await pool.request("GET", "/")


def test_only_http_origins_and_https_with_a_context() -> None:
    with pytest.raises(ValueError, match="origin"):
        http11.Pool("ftp://10.0.0.1")
    with pytest.raises(ValueError, match="SSL context"):
        http11.Pool("https://10.0.0.1:8443")


async def test_the_commander_client_keeps_a_path_prefix_and_trusts_only_its_pin(
        tmp_path: Path) -> None:
    """A commander behind a reverse proxy's path (``https://proxy/farm``) over pinned TLS."""
    files = generate_self_signed(tmp_path / "cert.pem", tmp_path / "key.pem")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.cert, files.key)
    targets: list[bytes] = []

    async def hello(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await read_head(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            targets.append(head.split(b" ")[1])
            writer.write(reply(b'{"rig": {"id": 7}, "last_seq": 41}'))

    listener = await asyncio.start_server(hello, "127.0.0.1", 0, ssl=context)
    port = listener.sockets[0].getsockname()[1]
    async with listener:
        url = f"https://127.0.0.1:{port}/farm"
        async with CommanderClient(url, "token", files.cert) as client:
            assert await client.hello_and_last_seq() == ({"id": 7}, 41)
            assert await client.hello() == {"id": 7}
        other = generate_self_signed(tmp_path / "other.pem", tmp_path / "other.key")
        async with CommanderClient(url, "token", other.cert) as client:
            with pytest.raises(CertificateMismatch):
                await client.hello()
    assert targets == [b"/farm/api/v1/sentry/hello"] * 2
