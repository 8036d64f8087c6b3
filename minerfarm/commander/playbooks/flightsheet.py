"""The flight sheet: a coin, a wallet and a pool of that coin, a miner that mines it and extra
arguments, turned into the playbook the miner's catalog entry suggests (``suggested.py``).

Which miner mines which coin: each catalog entry's executable template names its algorithm
(``--algo kawpow``, ``-a kawpow``, ``--algorithm randomx``; xmrig's default is RandomX), and
the protocol's algorithm facts (:mod:`minerfarm.protocol.algorithms`, shared with the farm
totals) say what each well-known coin is mined with and which spellings are one algorithm.
Where either is unknown the miner is offered for every coin: hiding it would leave an admin
stuck with no choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from minerfarm.commander.db.models import Address, MiningSoftware
from minerfarm.commander.playbooks.store import row_out
from minerfarm.commander.playbooks.suggested import playbook_template
from minerfarm.protocol.algorithms import algorithm_of_coin, normalise_algorithm

_ALGO_FLAG = re.compile(r"(?:^|\s)(?:--algo|--algorithm|-a)[\s=]+([A-Za-z0-9/_-]+)")
_DEFAULT = {"xmrig": "RandomX"}  # no flag: the miner's own default


def software_algorithm(software: MiningSoftware) -> str | None:
    """The algorithm the entry's command line starts the miner with (canonical name)."""
    found = _ALGO_FLAG.search(software.executable_template)
    name = found.group(1) if found else _DEFAULT.get(software.name.lower())
    return normalise_algorithm(name)


def mines(software: MiningSoftware, coin: str) -> bool:
    wanted, algorithm = algorithm_of_coin(coin), software_algorithm(software)
    return wanted is None or algorithm is None or normalise_algorithm(wanted) == algorithm


def coins_of(addresses: Iterable[Address]) -> list[str]:
    return sorted({a.coin for a in addresses}, key=str.upper)


def check(coin: str, wallet: Address | None, pool: Address | None,
          software: MiningSoftware | None) -> str | None:
    """What is wrong with a flight sheet, in words; None when it can be generated."""
    if not coin:
        return "choose the coin first"
    for kind, address in (("wallet", wallet), ("pool", pool)):
        if address is None:
            return f"choose a {kind} of {coin} (add one on the Templates page)"
        if address.type != kind or address.coin != coin:
            return f"{address.label!r} is a {address.coin} {address.type}, not a {coin} {kind}"
    if software is None:
        return f"choose the miner that mines {coin}"
    if not mines(software, coin):
        return (f"{software.name} {software.version} mines {software_algorithm(software)}, "
                f"but {coin} is mined with {algorithm_of_coin(coin)}")
    return None


def generate(software: MiningSoftware, extra_args: str) -> str:
    """The suggested playbook, the extra arguments appended to the miner's command line."""
    fields = row_out(software)
    fields["executable_template"] = f"{software.executable_template} {extra_args}".strip()
    return playbook_template(MiningSoftware(**fields))


def options(addresses: list[Address], software: list[MiningSoftware]) -> dict[str, Any]:
    """What the flight-sheet selects offer: per coin its wallets, pools and miners."""
    return {
        "coins": coins_of(addresses),
        "wallets": [a for a in addresses if a.type == "wallet"],
        "pools": [a for a in addresses if a.type == "pool"],
        "miner_coins": {s.id: " ".join(c for c in coins_of(addresses) if mines(s, c))
                        for s in software},
    }
