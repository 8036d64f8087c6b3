"""Route declarations kept per module and added to a blueprint explicitly.

A page module declares its routes on its own :class:`Routes` table (same decorators as a
blueprint); :func:`minerfarm.commander.pages.blueprint` adds each module's table to a fresh
blueprint. No module registers anything by being imported, and no page module imports another
to reach the blueprint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from quart import Blueprint

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class _Rule:
    rule: str
    view: Callable[..., Any]
    methods: tuple[str, ...] = ()
    websocket: bool = False


@dataclass
class Routes:
    rules: list[_Rule] = field(default_factory=list)

    def route(self, rule: str, methods: tuple[str, ...]) -> Callable[[View], View]:
        def declare(view: View) -> View:
            self.rules.append(_Rule(rule, view, methods))
            return view
        return declare

    def get(self, rule: str) -> Callable[[View], View]:
        return self.route(rule, ("GET",))

    def post(self, rule: str) -> Callable[[View], View]:
        return self.route(rule, ("POST",))

    def websocket(self, rule: str) -> Callable[[View], View]:
        def declare(view: View) -> View:
            self.rules.append(_Rule(rule, view, websocket=True))
            return view
        return declare

    def register(self, blueprint: Blueprint) -> None:
        for rule in self.rules:
            if rule.websocket:
                blueprint.add_websocket(rule.rule, view_func=rule.view)
            else:
                blueprint.add_url_rule(rule.rule, view_func=rule.view, methods=list(rule.methods))
