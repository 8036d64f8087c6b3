"""Algorithm and coin names, normalised once: what the farm totals and charts group by.

Miners spell the same algorithm many ways (XMRig ``rx/0``, SRBMiner ``randomx``, a pool
``RandomX``; T-Rex ``ethash``, lolMiner ``ETHASH``). Hashrates of different algorithms do
not add (an ethash MH/s is not a kawpow MH/s), so totals group by a canonical name from a small
explicit alias table; a name not in the table is kept as the miner wrote it (trimmed), so an
unknown algorithm still gets a bucket of its own instead of merging with anything.
"""

from __future__ import annotations

from dataclasses import dataclass

# Canonical display name -> the spellings seen from miners and pools (compared lowercased,
# without spaces, dashes, underscores or slashes: "SHA-256", "sha_256" and "sha256" are one).
ALIASES: dict[str, tuple[str, ...]] = {
    "SHA-256": ("sha256", "sha256d", "sha256asicboost", "bitcoin"),
    "Scrypt": ("scrypt",),
    "RandomX": ("randomx", "rx0", "rx", "randomxmonero"),
    "Ethash": ("ethash", "ethashb3"),
    "Etchash": ("etchash", "ethashetc"),
    "KawPoW": ("kawpow", "kawpowravencoin"),
    "kHeavyHash": ("kheavyhash", "heavyhash", "kaspa"),
    "Autolykos2": ("autolykos2", "autolykos", "autolykosv2"),
    "Equihash": ("equihash", "equihash2009"),
    "X11": ("x11",),
    "Blake3": ("blake3", "alephium"),
    "KarlsenHash": ("karlsenhash",),
    "Octopus": ("octopus",),
    "ProgPoW": ("progpow",),
    "FiroPoW": ("firopow",),
    "Cuckatoo32": ("cuckatoo32", "cuckatoo"),
    "Eaglesong": ("eaglesong",),
    "Kadena": ("blake2s", "kadena"),
    "ZelHash": ("zelhash",),
    "BeamHash": ("beamhash",),
    "NexaPoW": ("nexapow",),
    "FishHash": ("fishhash",),
    "DynexSolve": ("dynexsolve",),
}

# Well-known coins -> the algorithm they are mined with (by ticker, uppercased).
COIN_ALGORITHMS: dict[str, str] = {
    "BTC": "SHA-256", "BCH": "SHA-256", "BSV": "SHA-256",
    "LTC": "Scrypt", "DOGE": "Scrypt",
    "XMR": "RandomX", "ZEPH": "RandomX",
    "RVN": "KawPoW", "CLORE": "KawPoW", "NEOX": "KawPoW",
    "ETC": "Etchash", "ETHW": "Ethash",
    "KAS": "kHeavyHash",
    "ERG": "Autolykos2",
    "ZEC": "Equihash",
    "DASH": "X11",
    "ALPH": "Blake3",
    "KLS": "KarlsenHash",
    "CFX": "Octopus",
    "FIRO": "FiroPoW",
    "CKB": "Eaglesong",
    "KDA": "Kadena",
    "FLUX": "ZelHash", "BEAM": "BeamHash", "NEXA": "NexaPoW", "IRON": "FishHash",
    "DNX": "DynexSolve",
}

_IGNORED = str.maketrans("", "", " -_/.")
_BY_SPELLING = {spelling: name for name, spellings in ALIASES.items()
                for spelling in (*spellings, name.lower().translate(_IGNORED))}


def normalise_algorithm(name: str | None) -> str | None:
    """The canonical name of ``name`` (``"rx/0"`` -> ``"RandomX"``), the trimmed name itself
    when it is not in the table, None when it is empty or missing."""
    if name is None or not name.strip():
        return None
    return _BY_SPELLING.get(name.strip().lower().translate(_IGNORED), name.strip())


def normalise_coin(coin: str | None) -> str | None:
    """A coin ticker as the totals key it (``"btc "`` -> ``"BTC"``); None when empty."""
    if coin is None or not coin.strip():
        return None
    return coin.strip().upper()


def algorithm_of_coin(coin: str | None) -> str | None:
    """The algorithm a well-known coin is mined with, else None."""
    ticker = normalise_coin(coin)
    return COIN_ALGORITHMS.get(ticker) if ticker else None


@dataclass(frozen=True, slots=True)
class Family:
    """ASIC models of ``make`` whose name starts with ``model_prefix`` mine ``algorithm``."""

    make: str
    model_prefix: str
    algorithm: str


# Read by the ASIC sentry (to fill ``asics[].algorithm``) and by the commander (for reports
# of older ASIC sentries that did not). Canonical names (ALIASES); the longest prefix wins.
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
    Family("Whatsminer", "", "SHA-256"),  # MicroBT makes only SHA-256 machines
    Family("AvalonMiner", "", "SHA-256"),  # Canaan's Avalons are all SHA-256
    Family("Avalon", "", "SHA-256"),
    Family("Goldshell", "LT", "Scrypt"),
    Family("Goldshell", "KD", "Kadena"),
    Family("Goldshell", "CK", "Eaglesong"),
    Family("Goldshell", "KA", "kHeavyHash"),
    Family("IceRiver", "KS", "kHeavyHash"),
)


def algorithm_of_model(make: str | None, model: str | None) -> str | None:
    """The algorithm an ASIC model mines (by its family), None if not known."""
    if not make:
        return None
    matches = [f for f in FAMILIES if f.make.lower() == make.strip().lower()
               and (model or "").strip().upper().startswith(f.model_prefix.upper())]
    return max(matches, key=lambda f: len(f.model_prefix)).algorithm if matches else None
