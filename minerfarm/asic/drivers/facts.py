"""Hardware facts per model, as plain data (nominal figures from the makers' spec sheets).

Used only where the firmware does not say it itself: the expected hashrate when the
firmware reports no ideal/factory rate, and how many fan slots a model really has (an
Antminer control board reports 4-8 fan slots, most of them empty and reading 0 RPM).
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
