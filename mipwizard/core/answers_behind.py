"""The cross-field problems a field error hides, so one run of the answers loader lists them all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError


def problems_behind(data: dict[Any, Any], exc: ValidationError, secrets: list[str], *, with_secrets: bool,
                    model: type[BaseModel], format_error: Callable[..., list[str]]) -> list[str]:
    """The cross-field problems a field error hides (pydantic checks them only once fields pass).

    Validated again without the bad keys (a required one gets a stand-in), so one run lists every
    problem; a problem on a key already reported is not repeated. ``model`` and ``format_error``
    are the answers' own (passed in: this module must not import them back).
    """
    bad = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
    if not bad:
        return []
    trimmed = {k: v for k, v in data.items() if str(k) not in bad}
    trimmed.setdefault("federation", "federation")  # the one key without a default
    try:
        answers: Any = model.model_validate(trimmed)
    except ValidationError as again:
        return [p for p in format_error(again, secrets=secrets) if p.split(":", 1)[0].split(".")[0]
                not in bad]
    missing = answers.missing_secrets() if with_secrets else []
    return [f"{key}: {message}" for key, message in missing if key.split(".")[0] not in bad]
