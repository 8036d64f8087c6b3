"""The web transport's own HTTP/1.1 connection (one per request) against real sockets: HTTPS
with a self-signed certificate, the body framings ASIC web servers use, what is sent, and a
reply cut short; the transport's failures as httpx's own errors."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from minerfarm import http11
from minerfarm.asic.drivers.oneshot import HTTPX_ERRORS, OneShotTransport
from minerfarm.asic.drivers.web import NO_AUTH, WebRequest, WebSession, WebTransport
from minerfarm.asic.errors import AsicReplyInvalid
from minerfarm.commander.tls import generate_self_signed

PORT = 18443
INFO = WebRequest("info", "/api/system/info")
Serve = Callable[..., Awaitable[list[bytes]]]


def host(cidr: str, last: int = 1) -> str:
    return cidr.replace(".0/24", f".{last}")


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """``await serve(ip, reply_bytes, tls=None)``: a server answering every request with
    ``reply_bytes`` and closing; returns the list the requests it read are put in."""
    servers: list[asyncio.Server] = []

    async def start(ip: str, reply: bytes, tls: ssl.SSLContext | None = None) -> list[bytes]:
        seen: list[bytes] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            seen.append(head + (await reader.readexactly(length) if length else b""))
            writer.write(reply)
            await writer.drain()
            writer.close()

        servers.append(await asyncio.start_server(handle, ip, PORT, ssl=tls))
        return seen

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


async def test_https_with_a_self_signed_certificate(subnet: str, serve: Serve,
                                                    session: WebSession, tmp_path: Path) -> None:
    files = generate_self_signed(tmp_path / "cert.pem", tmp_path / "key.pem")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(files.cert, files.key)
    body = b'{"hashRate": 1234.5}'
    seen = await serve(host(subnet), b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                       % (len(body), body), tls)
    web = WebTransport(host(subnet), PORT, session, NO_AUTH, https=True)
    assert await web.call(INFO) == {"hashRate": 1234.5}
    assert seen[0].startswith(b"GET /api/system/info HTTP/1.1\r\n")


@pytest.mark.parametrize("framing", [
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"a\": 1\r\n1\r\n}\r\n0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\": 1}",  # until close
])
async def test_chunked_and_close_delimited_bodies(subnet: str, serve: Serve,
                                                  session: WebSession, framing: bytes) -> None:
    await serve(host(subnet), framing)
    assert await WebTransport(host(subnet), PORT, session).call(INFO) == {"a": 1}


async def test_what_is_sent_one_request_and_close(subnet: str, serve: Serve,
                                                  session: WebSession) -> None:
    seen = await serve(host(subnet), b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    web = WebTransport(host(subnet), PORT, session)
    assert await web.call(WebRequest("login", "/api/v1/auth/login?x=1", "POST",
                                     {"username": "root"})) == {}
    head, _, body = seen[0].partition(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    assert lines[0] == b"post /api/v1/auth/login?x=1 http/1.1"
    assert f"host: {host(subnet)}:{PORT}".encode() in lines
    assert b"connection: close" in lines and b"connection: keep-alive" not in lines
    assert body == b'{"username":"root"}'


async def test_a_reply_cut_short_is_no_reply(subnet: str, serve: Serve,
                                             session: WebSession) -> None:
    await serve(host(subnet), b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\":")
    with pytest.raises(AsicReplyInvalid, match="not HTTP"):
        await WebTransport(host(subnet), PORT, session).call(INFO)


@pytest.fixture
async def raw_client() -> AsyncIterator[httpx.AsyncClient]:
    """httpx on the transport alone, nothing of :mod:`.web` above it."""
    async with httpx.AsyncClient(transport=OneShotTransport(ssl.create_default_context()),
                                 timeout=httpx.Timeout(0.5)) as client:
        yield client


async def test_a_closed_port_is_a_connect_error_in_the_words_of_the_os(
        subnet: str, raw_client: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.ConnectError, match=r"^\[Errno 111\] Connect call failed"):
        await raw_client.get(f"http://{host(subnet)}:{PORT}/")


async def test_silence_is_a_read_timeout_and_a_reset_a_read_error(
        subnet: str, raw_client: httpx.AsyncClient) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3)
        writer.close()

    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{")
        await writer.drain()
        await asyncio.sleep(0.05)
        # linger 0: close sends an RST, not a FIN
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                                   struct.pack("ii", 1, 0))
        writer.transport.abort()

    for handler, error, last in ((silent, httpx.ReadTimeout, 1), (reset, httpx.ReadError, 2)):
        server = await asyncio.start_server(handler, host(subnet, last), PORT)
        async with server:
            with pytest.raises(error):
                async with raw_client.stream("GET", f"http://{host(subnet, last)}:{PORT}/") \
                        as response:
                    await response.aread()


@pytest.mark.parametrize("reply", [
    b"\x00\x01 not http at all\r\n\r\n",
    b"",  # closed without a word
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"a",  # closed mid-body
])
async def test_what_is_not_a_whole_http_reply_is_a_remote_protocol_error(
        subnet: str, serve: Serve, raw_client: httpx.AsyncClient, reply: bytes) -> None:
    await serve(host(subnet), reply)
    with pytest.raises(httpx.RemoteProtocolError):
        await raw_client.get(f"http://{host(subnet)}:{PORT}/")


def test_every_error_of_http11_has_its_own_httpx_error() -> None:
    """The table names each class of the tree, so a new one cannot fall through to the
    catch-all unnoticed (the body cap is the caller's: httpx has no such error)."""
    def tree(base: type[http11.HttpError]) -> set[type[http11.HttpError]]:
        return {base}.union(*(tree(sub) for sub in base.__subclasses__()))

    mapped = {mine for mine, _ in HTTPX_ERRORS}
    assert tree(http11.HttpError) - mapped == {http11.BodyTooLarge}
