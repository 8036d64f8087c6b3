"""What the collectors share: building a wire model from readings some of which may be bad."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)

MIB = 1024 * 1024  # *_mb on the wire are MiB, as nvidia-smi and free(1) count them


def lenient(cls: type[Model], /, **fields: Any) -> Model:
    """``model(**fields)``, dropping (as unknown) any reading the model refuses.

    Sensors do report nonsense (a 511 degC edge temperature, 101 % busy): one bad reading must
    not cost the device's other readings, nor end up on the wire.
    """
    try:
        return cls(**fields)
    except ValidationError as exc:
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        return cls(**{name: value for name, value in fields.items() if name not in bad})
