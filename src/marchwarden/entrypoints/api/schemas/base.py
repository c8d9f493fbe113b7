"""The one Pydantic base for API schemas: unknown fields are rejected."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
