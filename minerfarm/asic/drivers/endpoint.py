"""One ASIC's address and how each of its APIs is reached (ports, login, shared session).

Ports: ``port`` is the port of the family's main API: cgminer RPC (4028), or the web port
of a family without RPC (AxeOS, Goldshell, Elphapex: 80; ePIC serves HTTP on 4028, so its
web port is always ``port``). ``web_port`` is the web port of a family that speaks both (an
Antminer's CGI, Braiins OS REST: 80). An explicit 4028 is RPC's own port, never a web
override. The transports are kept between polls (joined-command support, digest challenge,
tokens).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .base import Backend
from .transport import DEFAULT_PORT, RpcTransport
from .web import Login, WebAuth, WebSession, WebTransport


@dataclass(slots=True)
class Endpoint:
    host: str
    port: int | None = None
    web_port: int | None = None
    timeout: float = 5.0
    login: Login | None = None
    session: WebSession = field(default_factory=WebSession)
    https: bool = False
    _rpc: RpcTransport | None = field(default=None, repr=False)
    _web: dict[tuple[int, WebAuth], WebTransport] = field(default_factory=dict, repr=False)

    @classmethod
    def of_rpc(cls, transport: RpcTransport) -> Endpoint:
        endpoint = cls(transport.host, transport.port, timeout=transport.timeout)
        endpoint._rpc = transport
        return endpoint

    @property
    def rpc_port(self) -> int:
        return self.port or DEFAULT_PORT

    def rpc(self) -> RpcTransport:
        if self._rpc is None:
            self._rpc = RpcTransport(self.host, self.rpc_port, self.timeout)
        return self._rpc

    def web_port_for(self, backend: Backend) -> int:
        if backend.web_port == DEFAULT_PORT:  # ePIC: HTTP where RPC would be
            return self.rpc_port
        if backend.commands:
            return self.web_port or backend.web_port
        override = self.port if self.port != DEFAULT_PORT else None
        return self.web_port or override or backend.web_port

    def main_port(self, backend: Backend) -> int:
        """The port the family is asked on first (what ``--port`` names for it)."""
        return self.rpc_port if backend.commands else self.web_port_for(backend)

    def web(self, backend: Backend) -> WebTransport:
        key = (self.web_port_for(backend), backend.auth)
        transport = self._web.get(key)
        if transport is None:
            transport = WebTransport(self.host, key[0], self.session, backend.auth, self.login,
                                     self.timeout, self.https)
            self._web[key] = transport
        return transport
