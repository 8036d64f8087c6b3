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
    ModelFacts("AvalonMiner", "15-194", 194e12, boards=3, fans=2, chips_per_board=160),
    # The M31S ships in several hashrate bins: no single nominal figure.
    ModelFacts("Whatsminer", "M31S", None, boards=3, fans=2, chips_per_board=105),
)

_BY_NAME = {(facts.make.lower(), facts.model.lower()): facts for facts in MODELS}


def facts_for(make: str | None, model: str | None) -> ModelFacts | None:
    """The facts for ``make``/``model`` (case-insensitive), or None if unknown."""
    if make is None or model is None:
        return None
    return _BY_NAME.get((make.lower(), model.lower()))


@dataclass(frozen=True, slots=True)
class Family:
    """Models of ``make`` whose name starts with ``model_prefix`` mine ``algorithm``."""

    make: str
    model_prefix: str
    algorithm: str


# Algorithm names as in minerfarm.protocol.algorithms (its canonical names). The longest
# matching prefix wins.
FAMILIES: tuple[Family, ...] = (
    Family("Antminer", "S", "SHA-256"),  # S9 ... S21
    Family("Antminer", "T", "SHA-256"),  # T9, T17, T19, T21
    Family("Antminer", "R", "SHA-256"),  # R4
    Family("Antminer", "L", "Scrypt"),  # L3+, L7, L9
    Family("Antminer", "KS", "kHeavyHash"),  # KS3, KS5
    Family("Antminer", "K7", "Eaglesong"),
    Family("Antminer", "KA", "Kadena"),  # KA3
    Family("Antminer", "D", "X11"),  # D7, D9
    Family("Antminer", "Z", "Equihash"),  # Z15
    Family("Antminer", "E9", "Etchash"),
    Family("Antminer", "AL", "Blake3"),  # AL1
    Family("Goldshell", "LT", "Scrypt"),
    Family("Goldshell", "KD", "Kadena"),
    Family("Goldshell", "CK", "Eaglesong"),
    Family("Goldshell", "KA", "kHeavyHash"),
    Family("IceRiver", "KS", "kHeavyHash"),
)

# Firmwares that exist only for one algorithm, whatever model they run on (Braiins OS and
# Whatsminer firmwares report no model over RPC): backend name -> algorithm.
BACKEND_ALGORITHMS: dict[str, str] = {
    "braiins": "SHA-256",  # Braiins OS / OS+ runs only on bitcoin (SHA-256) Antminers
    "whatsminer": "SHA-256",  # MicroBT makes only SHA-256 machines
    "avalon": "SHA-256",  # Canaan's Avalons are all SHA-256
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
    if make is not None and model is not None:
        matches = [f for f in FAMILIES if f.make.lower() == make.lower()
                   and model.upper().startswith(f.model_prefix.upper())]
        if matches:
            return max(matches, key=lambda f: len(f.model_prefix)).algorithm
    return BACKEND_ALGORITHMS.get(backend or "")


def default_coin(algorithm: str | None) -> str | None:
    return DEFAULT_COINS.get(algorithm or "")
