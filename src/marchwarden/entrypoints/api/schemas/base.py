"""The one Pydantic base for API schemas (unknown fields are rejected), and the field
types and helpers that schemas of several things share."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def fields_of(schema: type[Schema], obj: Any, **overrides: Any) -> dict[str, Any]:
    """The schema's fields from the same-named attributes of ``obj``; ``overrides`` for
    those that are named or shaped otherwise."""
    return {
        name: overrides[name] if name in overrides else getattr(obj, name)
        for name in schema.model_fields
    }


Text = Annotated[str, Field(max_length=10_000)]


Note = Annotated[str, Field(default="", max_length=2000)]


Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
