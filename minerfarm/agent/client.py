"""The one commander client of both sentries (CPU/GPU and ASIC): protocol v1 over pinned HTTPS.

The commander's certificate is pinned, not verified against a PKI: at enrollment the sentry
saves the certificate whose SHA-256 the token carries (:mod:`.enrollment`); afterwards it trusts
that certificate only, under whatever name or address it reaches the commander by. Errors,
translated once here from :mod:`minerfarm.http11` and ssl (nothing else leaves this module)::

    CommanderError
    ├── CommanderUnreachable   network error, timeout, 5xx, 429: retry later (spool meanwhile;
    │                          ``retry_after``: the commander's Retry-After, if it sent one)
    ├── TokenInvalid           401: unknown, malformed or replaced token; stop, re-enroll
    ├── RigRemoved             410: the rig was deleted; clean up, stop, wait for a new token
    ├── CertificateMismatch    the commander presents another certificate than the pinned one
    └── RequestRejected        another 4xx (413, 422, ...): ``status`` and the ``error`` body

Usage::

    client = CommanderClient("https://10.0.0.2:8443", token, Path("commander.pem"))
    rig = await client.hello()
    ack = await client.post_reports({"reports": [...]})
    await client.aclose()
"""

from __future__ import annotations

import json
import logging
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from minerfarm import __version__, http11
from minerfarm.protocol import SENTRY_PREFIX

log = logging.getLogger(__name__)


class CommanderError(Exception):
    """Base of every error talking to the commander."""


class CommanderUnreachable(CommanderError):
    """No usable answer: connection refused, timeout, TLS failure other than the pin, 5xx."""

    def __init__(self, message: str, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


class TokenInvalid(CommanderError):
    """401: the commander does not know this token (mistyped, or regenerated since)."""


class RigRemoved(CommanderError):
    """410: the rig was removed from the commander."""


class CertificateMismatch(CommanderError):
    """The commander's certificate is not the pinned one (or not the token's)."""

    def __init__(self, message: str, *, expected: str | None = None,
                 actual: str | None = None) -> None:
        super().__init__(message)
        self.expected, self.actual = expected, actual


class RequestRejected(CommanderError):
    """Any other 4xx: the commander refused this request as it is."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        self.status, self.error = status, error
        code = error.get("code", "error")
        super().__init__(f"commander refused the request ({status} {code}): "
                         f"{error.get('message', '')}")


# OpenSSL's X509_V_FLAG_NO_CHECK_TIME (1.1.0+); the ssl module has no name for it.
VERIFY_NO_CHECK_TIME = 0x200000


def pinned_context(pinned_cert: Path) -> ssl.SSLContext:
    """Trust exactly the pinned certificate, by whatever name or IP the commander is reached.

    ``VERIFY_X509_PARTIAL_CHAIN`` lets the pinned leaf itself be the trust anchor (a commander
    certificate issued by a CA works too); the hostname is not checked because the pin is the
    identity and rigs reach the commander by IP, mDNS name or anything else. Nor are the
    certificate's dates: the pin, not the calendar, says which certificate is the commander's,
    and a rig without NTP whose clock is before the certificate's notBefore (or after its
    notAfter) must still reach it. Another certificate is refused as before.
    """
    context = ssl.create_default_context(cafile=str(pinned_cert))
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | VERIFY_NO_CHECK_TIME
    context.check_hostname = False
    return context


def normalize_url(url: str) -> str:
    """``host:port`` or ``https://host:port/`` -> ``https://host:port`` (HTTPS only)."""
    text = url.strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    if not text.lower().startswith("https://"):
        raise ValueError(f"commander URL must be https:// (got {url!r})")
    return text


def _cause_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


class CommanderClient:
    """Speaks to a commander with one token; keeps a connection pool until :meth:`aclose`.

    With ``fallbacks`` (other commanders of the same farm, serving the same certificate), a
    request the current commander cannot answer (unreachable, or 502/503/504) goes to the
    next one, which then stays current: reports are idempotent by ``seq``, so a POST that may
    have reached the dead one is safe to send again."""

    def __init__(self, url: str, token: str, pinned_cert: Path, *,
                 timeout: float = 10.0, fallbacks: tuple[str, ...] = ()) -> None:
        self.urls = [normalize_url(u) for u in (url, *fallbacks)]
        self.url = self.urls[0]
        self.pinned_cert = Path(pinned_cert)
        self._token, self._timeout = token.strip(), timeout
        self._pools: dict[str, http11.Pool] = {}
        self._http = self._pool(self.url)

    def _pool(self, url: str) -> http11.Pool:
        pool = self._pools.get(url)
        if pool is None:
            pool = self._pools[url] = http11.Pool(
                url, ssl_context=pinned_context(self.pinned_cert), timeout=self._timeout,
                headers={"Authorization": f"Bearer {self._token}",
                         "User-Agent": f"minerfarm-sentry/{__version__}"},
                # a sentry sends little; one connection is plenty (a second one for the
                # playbook long-poll held open meanwhile)
                max_connections=2, max_idle=1,
            )
        return pool

    async def __aenter__(self) -> CommanderClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def hello(self) -> dict[str, Any]:
        """The rig this token belongs to: ``{"id", "name", "kind"}``."""
        rig, _ = await self.hello_and_last_seq()
        return rig

    async def hello_and_last_seq(self) -> tuple[dict[str, Any], int | None]:
        """The rig, and the highest report ``seq`` the commander stored for it (None: none
        yet, or a commander too old to say)."""
        answer = await self._request("GET", "/hello")
        body = _json(answer)
        rig, last_seq = body.get("rig"), body.get("last_seq")
        if not isinstance(rig, dict):
            raise CommanderUnreachable("commander's /hello answer has no 'rig'", answer.status_code)
        valid = isinstance(last_seq, int) and not isinstance(last_seq, bool)
        return rig, last_seq if valid else None

    async def post_reports(self, batch: dict[str, Any]) -> dict[str, Any]:
        """POST a batch ``{"reports": [...]}``; ``{"accepted", "duplicates"}`` once durable."""
        return _json(await self._request("POST", "/reports", json=batch))

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()

    async def _request(self, method: str, path: str, *, json: Any = None,
                       headers: dict[str, str] | None = None,
                       params: dict[str, str] | None = None,
                       timeout_s: float | None = None) -> http11.Response:
        """``path`` under the sentry prefix; ``json`` the body; ``timeout_s`` the client's
        timeout by default."""
        target = path + (f"?{urlencode(params)}" if params else "")
        body = None
        if json is not None:
            body = _dumps(json)
            headers = {**(headers or {}), "Content-Type": "application/json"}
        request = (method, target, body, headers or {}, timeout_s)
        for _ in range(len(self.urls) - 1):
            try:
                return await self._request_once(*request)
            except CommanderUnreachable as exc:
                if exc.status not in (None, 502, 503, 504):
                    raise
                failed = self.url
                self.url = self.urls[(self.urls.index(failed) + 1) % len(self.urls)]
                self._http = self._pool(self.url)
                log.warning("%s; trying the commander at %s", exc, self.url)
        return await self._request_once(*request)

    async def _request_once(self, method: str, target: str, body: bytes | None,
                            headers: dict[str, str], timeout_s: float | None
                            ) -> http11.Response:
        # under the URL's own path, if any (a commander behind a reverse proxy's prefix)
        target = urlsplit(self.url).path + SENTRY_PREFIX + target
        try:
            answer = await self._http.request(method, target, body=body, headers=headers,
                                              timeout_s=timeout_s)
        except http11.HttpError as exc:
            raise self._translate(exc) from exc
        status = answer.status_code
        if status < 400:
            return answer
        error = _error_of(answer)
        message = error.get("message") or answer.reason_phrase
        if status == 401:
            raise TokenInvalid(f"commander refused the token: {message}")
        if status == 410:
            raise RigRemoved(f"the rig was removed from the commander: {message}")
        if status >= 500 or status in (408, 429):
            raise CommanderUnreachable(f"commander answered {status}: {message}", status,
                                       _retry_after(answer))
        raise RequestRejected(status, error)

    def _translate(self, exc: http11.HttpError) -> CommanderError:
        for cause in _cause_chain(exc):
            if isinstance(cause, ssl.SSLCertVerificationError):
                return CertificateMismatch(
                    f"the commander at {self.url} presents a certificate other than the one "
                    f"pinned in {self.pinned_cert} ({cause.verify_message or cause})")
        kind = "timed out" if isinstance(exc, http11.Timeout) else "unreachable"
        return CommanderUnreachable(f"commander at {self.url} {kind}: {exc or type(exc).__name__}")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _json(answer: http11.Response) -> dict[str, Any]:
    try:
        value = answer.json()
    except ValueError as exc:
        raise CommanderUnreachable(f"commander answered {answer.status_code} with non-JSON",
                                   answer.status_code) from exc
    if not isinstance(value, dict):
        raise CommanderUnreachable("commander answered JSON that is not an object",
                                   answer.status_code)
    return value


def _retry_after(answer: http11.Response) -> float | None:
    """The Retry-After header in seconds (the commander sends seconds, not a date)."""
    text = answer.headers.get("retry-after", "").strip()
    try:
        seconds = float(text)
    except ValueError:
        return None
    return seconds if 0 <= seconds < 86400 * 2 else None


def _error_of(answer: http11.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {"code": str(answer.status_code), "message": answer.text[:200]}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {"code": str(answer.status_code),
                                                  "message": str(body)[:200]}
