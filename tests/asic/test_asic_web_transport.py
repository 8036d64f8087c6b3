"""The web transport against simulated firmwares over real HTTP: each auth scheme with the
right and a wrong login, the vendor default as fallback, and every failure as an error of
the ASIC sentry's tree that says what failed."""

from __future__ import annotations

import pytest

from minerfarm.asic.config import AsicSentryConfig
from minerfarm.asic.drivers import braiins_rest, goldshell, sealminer
from minerfarm.asic.drivers.web import (
    DIGEST_ROOT,
    NO_AUTH,
    Login,
    WebAuth,
    WebRequest,
    WebSession,
    WebTransport,
)
from minerfarm.asic.errors import AsicAuthFailed, AsicReplyInvalid, AsicUnreachable
from minerfarm.asic.poller import Poller
from minerfarm.asic.simulator import PROFILES, Profile, SimulatedAsic
from minerfarm.asic.websim import WebProfile

WEB_PORT = 18080
SYSTEM_INFO = WebRequest("system_info", "/cgi-bin/get_system_info.cgi")


def host(cidr: str, last: int = 1) -> str:
    return cidr.replace(".0/24", f".{last}")


async def start(simulate, cidr: str, profile: str, last: int = 1, **kw: object
                ) -> SimulatedAsic:
    asic = SimulatedAsic(host(cidr, last), profile, port=14028, web_port=WEB_PORT, **kw)
    await simulate([asic])
    return asic


async def test_digest_with_the_vendor_default_and_the_challenge_kept(
        subnet: str, simulate, session: WebSession) -> None:
    asic = await start(simulate, subnet, "antminer-s21")
    web = WebTransport(asic.host, WEB_PORT, session, DIGEST_ROOT)  # no login: root/root
    for _ in range(3):
        reply = await web.call(SYSTEM_INFO)
        assert reply["minertype"] == "Antminer S21"
    assert asic.web is not None and asic.web.requests == 4  # one challenge, then reused


async def test_digest_with_a_wrong_login_says_what_to_do(subnet: str, simulate,
                                                         session: WebSession) -> None:
    asic = await start(simulate, subnet, "antminer-s21")
    web = WebTransport(asic.host, WEB_PORT, session, DIGEST_ROOT, Login("root", "nope"))
    with pytest.raises(AsicAuthFailed) as caught:
        await web.call(SYSTEM_INFO)
    message = str(caught.value)
    assert f"{asic.host}:{WEB_PORT}" in message and "configured login 'root'" in message
    assert "credentials" in message and "nope" not in message  # never the password


async def test_basic_auth(subnet: str, simulate, session: WebSession, monkeypatch) -> None:
    profile = Profile("basic-cgi", "antminer", {}, web=WebProfile(
        {"/cgi-bin/get_system_info.cgi": "antminer/stock_s21_fw251009_get_system_info.json"},
        auth="basic", login=("admin", "s3cret")))
    monkeypatch.setitem(PROFILES, profile.name, profile)
    asic = await start(simulate, subnet, profile.name)
    basic = WebAuth("basic")
    good = WebTransport(asic.host, WEB_PORT, session, basic, Login("admin", "s3cret"))
    assert (await good.call(SYSTEM_INFO))["serinum"] == "THQING0BDJAB024NF"
    with pytest.raises(AsicAuthFailed):
        await WebTransport(asic.host, WEB_PORT, session, basic, Login("admin", "x")).call(
            SYSTEM_INFO)


async def test_braiins_token_logs_in_once_and_again_after_a_401(
        subnet: str, simulate, session: WebSession) -> None:
    asic = await start(simulate, subnet, "braiins-s21pro")
    assert asic.web is not None
    web = WebTransport(asic.host, WEB_PORT, session, braiins_rest.AUTH)  # root, no password
    rest = [r for r in braiins_rest.REQUESTS if r.auth is None]
    replies = await web.requests(rest)
    assert set(replies.web) == {r.name for r in rest} and not replies.errors
    assert asic.web.requests == 1 + len(rest)  # one login for them all
    asic.web.tokens.clear()  # the firmware restarted: the token is no longer valid
    assert (await web.call(braiins_rest.REQUESTS[0]))["hostname"] == "Antminer"
    wrong = WebTransport(asic.host, WEB_PORT, session, braiins_rest.AUTH, Login("root", "x"))
    with pytest.raises(AsicAuthFailed, match="configured login 'root'"):
        await wrong.call(braiins_rest.REQUESTS[0])


async def test_goldshell_jwt_kept_and_renewed(subnet: str, simulate,
                                             session: WebSession) -> None:
    asic = await start(simulate, subnet, "goldshell-ck5")
    assert asic.web is not None
    web = WebTransport(asic.host, WEB_PORT, session, goldshell.BACKEND.auth)
    assert (await web.call(goldshell.STATUS))["model"] == "Goldshell-CK5"
    assert asic.web.requests == 2  # login (default admin login), then the call
    await web.call(goldshell.STATUS)
    assert asic.web.requests == 3  # the token is kept
    asic.web.tokens.clear()
    assert (await web.call(goldshell.STATUS))["firmware"] == "2.0.1"
    assert asic.web.requests == 6  # 401, login again, retry


async def test_braiins_graphql_cookie_login(subnet: str, simulate,
                                            session: WebSession) -> None:
    asic = await start(simulate, subnet, "braiins-25.03")
    request = braiins_rest.GRAPHQL
    assert request.auth is not None
    web = WebTransport(asic.host, WEB_PORT, session, request.auth)
    reply = await web.call(request)
    assert len(reply["data"]["bosminer"]["info"]["workSolver"]["childSolvers"]) == 3
    assert asic.web is not None and asic.web.requests == 2  # the login mutation, the query
    with pytest.raises(AsicAuthFailed, match="/graphql refused the configured login"):
        await WebTransport(asic.host, WEB_PORT, session, request.auth,
                           Login("root", "bad")).call(request)


async def test_sealminer_cookie_session(subnet: str, simulate, session: WebSession) -> None:
    asic = await start(simulate, subnet, "sealminer-a2")
    web = WebTransport(asic.host, WEB_PORT, session, sealminer.BACKEND.auth)
    assert (await web.call(sealminer.REQUESTS[0]))["Power"] == 3504
    refused = WebTransport(asic.host, WEB_PORT, session, sealminer.BACKEND.auth,
                           Login("root", "bad"))
    with pytest.raises(AsicAuthFailed):
        await refused.call(sealminer.REQUESTS[0])


async def test_failures_are_named(subnet: str, simulate, session: WebSession) -> None:
    nothing = WebTransport(host(subnet, 9), WEB_PORT, session, NO_AUTH, timeout=1)
    with pytest.raises(AsicUnreachable, match="nothing answers HTTP"):
        await nothing.call(WebRequest("info", "/api/system/info"))
    bitaxe = await start(simulate, subnet, "bitaxe-gamma")
    web = WebTransport(bitaxe.host, WEB_PORT, session, NO_AUTH, timeout=1)
    with pytest.raises(AsicReplyInvalid, match="HTTP 404"):
        await web.call(WebRequest("nope", "/api/nope"))
    hanging = await start(simulate, subnet, "bitaxe-gamma", last=2, fault="hang")
    with pytest.raises(AsicUnreachable, match="no HTTP reply within 1s"):
        await WebTransport(hanging.host, WEB_PORT, session, NO_AUTH, timeout=1).call(
            WebRequest("info", "/api/system/info"))
    garbage = await start(simulate, subnet, "bitaxe-gamma", last=3, fault="garbage")
    with pytest.raises(AsicReplyInvalid, match="not HTTP"):
        await WebTransport(garbage.host, WEB_PORT, session, NO_AUTH, timeout=1).call(
            WebRequest("info", "/api/system/info"))
    rpc_port = await start(simulate, subnet, "whatsminer-m31s", last=4)  # cgminer, not HTTP
    with pytest.raises((AsicReplyInvalid, AsicUnreachable)):
        await WebTransport(rpc_port.host, 14028, session, NO_AUTH, timeout=1).call(
            WebRequest("summary", "/summary"))


async def test_config_credentials_reach_the_web_api(subnet: str, simulate) -> None:
    """Subnet credentials apply to every ASIC of the subnet; an ASIC's own win."""
    wrong = await start(simulate, subnet, "elphapex-dg1home", last=1)
    right = await start(simulate, subnet, "elphapex-dg1home", last=2)
    config = AsicSentryConfig.model_validate({
        "subnet_credentials": [{"cidr": subnet, "credentials": {"password": "changed"}}],
        "asics": [{"ip": wrong.host, "port": WEB_PORT, "type": "elphapex"},
                  {"ip": right.host, "port": WEB_PORT, "type": "elphapex",
                   "credentials": {"username": "root", "password": "root"}}]})
    poller = Poller.from_config(config)
    try:
        refused, read = await poller.poll()
    finally:
        await poller.aclose()
    assert refused.online is False and "refused the configured login 'root'" in \
        refused.errors[0] and "asic-sentry.json" in refused.errors[0]
    assert read.online is True and read.model == "DG-Home1"
