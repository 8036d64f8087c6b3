"""Hardware facts per model, as plain data (nominal figures from the makers' spec sheets).

Used only where the firmware does not say it itself: the expected hashrate when the
firmware reports no ideal/factory rate, how many fan slots a model really has (an
Antminer control board reports 4-8 fan slots, most of them empty and reading 0 RPM), and
which algorithm (and by default which coin) a model family mines: cgminer-style firmwares
never report either, and without them the farm totals cannot tell a TH/s of SHA-256 from a
GH/s of scrypt. The ASIC sentry's config can override both (``coin``/``algorithm``).
"""

from __future__ import annotations

from dataclasses import dataclass

from minerfarm.protocol.algorithms import algorithm_of_model


@dataclass(frozen=True, slots=True)
class ModelFacts:
    make: str
    model: str
    expected_hashrate_hs: float | None
    boards: int
    fans: int
    chips_per_board: int | None = None


MODELS: tuple[ModelFacts, ...] = (
    ModelFacts("Antminer", "S9", 13.5e12, boards=3, fans=2, chips_per_board=63),
    ModelFacts("Antminer", "S21", 200e12, boards=3, fans=4, chips_per_board=108),
    ModelFacts("Antminer", "S19k Pro", 120e12, boards=3, fans=4, chips_per_board=77),  # LuxOS
    ModelFacts("AvalonMiner", "15-194", 194e12, boards=3, fans=2, chips_per_board=160),
    ModelFacts("Avalon", "Q", 90e12, boards=1, fans=4, chips_per_board=160),  # home miner
    # The M31S and M60S ship in several hashrate bins: no single nominal figure.
    ModelFacts("Whatsminer", "M31S", None, boards=3, fans=2, chips_per_board=105),
    ModelFacts("Whatsminer", "M60S", None, boards=3, fans=2),
    ModelFacts("Antminer", "S21 Pro", 234e12, boards=3, fans=4, chips_per_board=65),
    ModelFacts("Antminer", "S19 XP", 141e12, boards=3, fans=4, chips_per_board=110),
    ModelFacts("Bitaxe", "Gamma", 1.2e12, boards=1, fans=1, chips_per_board=1),
    ModelFacts("Goldshell", "CK5", 12e12, boards=4, fans=4),
    # Elphapex DG-Home1, SealMiner A2 and Auradine report their own rated/ideal rate (or no
    # model over RPC): no spec-sheet figure is assumed for them.
)

_BY_NAME = {(facts.make.lower(), facts.model.lower()): facts for facts in MODELS}


def facts_for(make: str | None, model: str | None) -> ModelFacts | None:
    """The facts for ``make``/``model`` (case-insensitive), or None if unknown."""
    if make is None or model is None:
        return None
    return _BY_NAME.get((make.lower(), model.lower()))


# Which algorithm a model family mines (Antminer S -> SHA-256, L -> scrypt, ...) is in
# minerfarm.protocol.algorithms.FAMILIES: the commander reads it too, for reports of ASIC
# sentries older than these facts.

# Firmwares that exist only for one algorithm, whatever model they run on (Braiins OS and
# Whatsminer firmwares report no model over RPC): backend name -> algorithm.
BACKEND_ALGORITHMS: dict[str, str] = {
    "braiins": "SHA-256",  # Braiins OS / OS+ runs only on bitcoin (SHA-256) Antminers
    "whatsminer": "SHA-256",  # MicroBT makes only SHA-256 machines
    "avalon": "SHA-256",  # Canaan's Avalons are all SHA-256
    "bitaxe": "SHA-256",  # ESP-Miner drives Bitmain's SHA-256 chips (BM1366/68/70)
    "epic": "SHA-256",  # umcOS runs on SHA-256 Antminers (it also reports Mining.Algorithm)
    "auradine": "SHA-256",  # Auradine Teraflux: bitcoin miners
    "sealminer": "SHA-256",  # Bitdeer SealMiner: bitcoin miners
    "elphapex": "Scrypt",  # Elphapex DG series: scrypt (the CGI reports "Algorithm" too)
}

# The coin an ASIC of an algorithm mines unless its sentry's config says otherwise: the
# coin nearly all such hashrate goes to (SHA-256 could be BCH, scrypt is merge-mined with DOGE;
# the admin overrides that). Algorithms whose coin is not clear (Etchash, ...) get none.
DEFAULT_COINS: dict[str, str] = {
    "SHA-256": "BTC", "Scrypt": "LTC", "kHeavyHash": "KAS", "Eaglesong": "CKB",
    "Kadena": "KDA", "X11": "DASH", "Equihash": "ZEC", "Blake3": "ALPH",
}


def algorithm_for(backend: str | None, make: str | None, model: str | None) -> str | None:
    """The algorithm a model mines, from its family, else from its firmware; None if unknown."""
    return algorithm_of_model(make, model) or BACKEND_ALGORITHMS.get(backend or "")


def default_coin(algorithm: str | None) -> str | None:
    return DEFAULT_COINS.get(algorithm or "")
