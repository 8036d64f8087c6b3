"""The shared cgminer RPC client: the decoder on every firmware quirk (real captures from
../shared/fixtures/miner-apis) and ``query`` against real loopback sockets."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from minerfarm import cgminer
from minerfarm.cgminer import (
    CgminerCommandError,
    CgminerError,
    CgminerReplyInvalid,
    CgminerTimeout,
    CgminerUnreachable,
    as_float,
    as_int,
    decode,
    query,
    section,
)

CAPTURES = Path(
    os.environ.get("MINERFARM_FIXTURES_DIR")
    or Path(__file__).resolve().parents[2] / "shared" / "fixtures"
) / "miner-apis"


def capture(name: str) -> bytes:
    return (CAPTURES / name).read_bytes()


CGMINER_REPLY = re.compile(rb'"STATUS"\s*:\s*\[')  # cgminer RPC: STATUS is a list of objects


def _is_cgminer_reply(path: Path) -> bool:
    """These folders also hold the firmwares' web and JSON-over-RPC (Whatsminer API 2/3)
    captures, which are not cgminer replies: those are read by their own backends."""
    return not path.name.endswith(".source.txt") and bool(
        CGMINER_REPLY.search(path.read_bytes()))


ALL_CGMINER_CAPTURES = sorted(
    str(path.relative_to(CAPTURES))
    for family in ("antminer", "avalon", "braiins", "whatsminer", "teamredminer")
    for path in (CAPTURES / family).iterdir()
    if _is_cgminer_reply(path)
)


@pytest.mark.parametrize("name", ALL_CGMINER_CAPTURES)
def test_every_capture_decodes_with_and_without_nul(name: str) -> None:
    raw = capture(name)
    plain = decode(raw)
    assert decode(raw + b"\x00") == plain
    assert decode(raw.rstrip() + b"\x00\n") == plain
    assert plain["STATUS"][0]["STATUS"] == "S"


def test_s9_stats_missing_comma_between_objects() -> None:
    raw = capture("antminer/bmminer_TestStatsS9.raw.txt")
    assert b"}{" in raw
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)
    stats = section(decode(raw), "STATS")
    assert len(stats) == 2
    assert stats[0]["Type"] == "Antminer S9"
    assert stats[1]["ID"] == "BC50"
    # a brace inside a string is left alone
    assert stats[1]["chain_xtime6"] == "{X49=5}"
    # numbers sent as strings survive and read as numbers, never 0 for empty text
    assert stats[1]["GHS 5s"] == "13630.55"
    assert as_float(stats[1]["GHS 5s"]) == 13630.55
    assert as_float(stats[1]["chain_rate6"]) == 4536.24
    assert as_float(stats[1]["chain_rate1"]) is None


def test_numbers_as_strings_with_units() -> None:
    stats = section(decode(capture("antminer/s21_stock_bmminer_stats.json")), "STATS")
    assert as_float(stats[1]["chain_power"]) == 3250.0
    assert as_int("59129") == 59129
    for not_a_number in (None, "", "inf", "nan", "-", "Deed", True, [], float("nan")):
        assert as_float(not_a_number) is None


def test_joined_reply_summary_plus_pools() -> None:
    summary = json.loads(capture("whatsminer/m31s_20201202_summary.json"))
    pools = json.loads(capture("whatsminer/m31s_20201202_pools.json"))
    joined = json.dumps({"summary": [summary], "pools": [pools], "id": 1}).encode() + b"\x00"
    data = decode(joined)
    assert section(data, "SUMMARY", "summary")[0]["Power"] == 3553
    assert section(data, "POOLS", "pools")[2]["POOL"] == 3


def test_back_to_back_documents_merge_into_joined_shape() -> None:
    raw = (capture("braiins/bosplus_0.2.0_s9_summary.json")
           + capture("braiins/bosplus_0.2.0_s9_pools.json") + b"\x00")
    data = decode(raw)
    assert set(data) == {"summary", "pools", "id"}
    assert section(data, "SUMMARY", "summary")[0]["Accepted"] == 153
    assert len(section(data, "POOLS", "pools")) == 3


def test_invalid_escapes_and_control_characters() -> None:
    raw = (b'{"STATUS":[{"STATUS":"S","Msg":"path C:\\miner\\x64\\dir","Description":"a\tb"}],'
           b'"VERSION":[{"Note":"line1\nline2 \\u00e9 \\q"}],"id":1}\x00')
    data = decode(raw)
    assert data["STATUS"][0]["Msg"] == "path C:\\miner\\x64\\dir"
    assert data["VERSION"][0]["Note"] == "line1\nline2 \u00e9 \\q"


def test_trailing_and_leading_commas_and_bare_inf_nan() -> None:
    data = decode(b',"STATUS":[{"STATUS":"S",}],"STATS":[{"A":inf,"B":-nan,"C":1,},],"id":1}')
    assert data["STATUS"][0]["STATUS"] == "S"
    assert data["STATS"][0] == {"A": None, "B": None, "C": 1}


@pytest.mark.parametrize("raw", [b"", b"\x00", b"Socket connect failed: Connection refused\n",
                                 b"\xff\xfe garbage", b'{"STATUS":[{"STATUS":"S"'])
def test_garbage_is_reply_invalid(raw: bytes) -> None:
    with pytest.raises(CgminerReplyInvalid):
        decode(raw)


def test_exception_tree() -> None:
    for error in (CgminerUnreachable, CgminerTimeout, CgminerReplyInvalid, CgminerCommandError):
        assert issubclass(error, CgminerError)


# --- query over real loopback sockets -------------------------------------------------------

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[int]]]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> int:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def replying(payload: bytes, seen: list[dict[str, str]] | None = None) -> Handler:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.read(4096)
        if seen is not None:
            seen.append(json.loads(request))
        writer.write(payload)
        await writer.drain()
        writer.close()
    return handler


async def test_query_sends_json_and_reads_until_nul(serve) -> None:
    seen: list[dict[str, str]] = []
    # NUL then junk that must not be read: the reply ends at the NUL
    port = await serve(replying(capture("antminer/bmminer_TestStatsS9.raw.txt")
                                + b"\x00trailing", seen))
    data = await query("127.0.0.1", port, "stats")
    assert seen == [{"command": "stats"}]
    assert section(data, "STATS")[1]["ID"] == "BC50"
    await query("127.0.0.1", port, "pools", "0")
    assert seen[1] == {"command": "pools", "parameter": "0"}


async def test_query_status_e_is_command_error(serve) -> None:
    port = await serve(replying(
        b'{"STATUS":[{"STATUS":"E","When":1,"Code":14,"Msg":"Invalid command",'
        b'"Description":"cgminer"}],"id":1}\x00'))
    with pytest.raises(CgminerCommandError, match="Invalid command"):
        await query("127.0.0.1", port, "frobnicate")


async def test_query_status_e_top_level_btminer(serve) -> None:
    port = await serve(replying(b'{"STATUS":"E","When":1,"Code":14,"Msg":"invalid cmd"}'))
    with pytest.raises(CgminerCommandError, match="invalid cmd"):
        await query("127.0.0.1", port, "frobnicate")


async def test_query_refused_is_unreachable(serve) -> None:
    port = await serve(replying(b""))
    # take a port, then free it so nothing listens there
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    free_port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(CgminerUnreachable) as info:
        await query("127.0.0.1", free_port, "summary", timeout=1)
    assert info.value.port == free_port
    assert port != free_port


async def test_query_hanging_miner_times_out(serve) -> None:
    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)

    port = await serve(hang)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(CgminerTimeout):
        await query("127.0.0.1", port, "summary", timeout=0.3)
    assert loop.time() - started < 1.0


async def test_query_garbage_and_oversized(serve) -> None:
    port = await serve(replying(b"\x16\x03\x01 this is not json at all"))
    with pytest.raises(CgminerReplyInvalid):
        await query("127.0.0.1", port, "summary")

    big = b'{"STATUS":[{"STATUS":"S"}],"X":"' + b"a" * 5000 + b'"}'
    port = await serve(replying(big))
    with pytest.raises(CgminerReplyInvalid, match="over"):
        await query("127.0.0.1", port, "summary", max_reply_bytes=1000)
    assert cgminer.MAX_REPLY_BYTES >= 64 * 1024
