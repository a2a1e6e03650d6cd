"""Response shapes shared by every route: the two error envelopes, paging, and the health probe.

Response models describe what the API returns, field for field; ``docs/openapi.json`` is generated
from them. ``Out`` is their base: fields never set are left out of the JSON (so an optional field
appears only when the domain gave it a value), fields set to None are sent as ``null``.

Modules of models that API handlers import do without ``from __future__ import annotations``:
pydantic would compile every field's annotation text again when the class is made, about a fifth
of each model's cost at every cold start (``tests/test_lazy_imports.py`` checks it).
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    """Base of every response model."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    def to_json(self) -> Any:
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)

    def json_text(self) -> str:
        """``to_json()`` as compact JSON text, written by pydantic's serializer in one pass (a
        5,000-entry migrationstate page: ~3x faster than dumping ``to_json()``)."""
        return self.model_dump_json(exclude_unset=True, by_alias=True)


class HarnessError(Out):
    """Every error under ``/v1``."""

    message: str = Field(description="error message detail")


class CatalyzedError(Out):
    """Every error under ``/datasets`` and ``/dataset-tables``."""

    error: str
    code: str | None = None
    details: Any = None
    retryable: bool | None = None


class Health(Out):
    status: str
    version: str
