"""Bounded types for everything the API accepts: ids, cursors and text.

Both stores keep ids in 32-bit ``INTEGER`` columns on PostgreSQL (SQLite holds 64 bits);
a number either store cannot hold must be refused at the edge with 422 problem+json, the
same on both stores, and never reach a query (where it raised ``OverflowError`` on SQLite
and ``NumericValueOutOfRange`` on PostgreSQL). Use these for path parameters, query
parameters and request body fields alike; ``tests/integration/test_api_bounds.py`` walks
the OpenAPI document and fails for any integer the API accepts without these bounds.
"""

from __future__ import annotations

from typing import Annotated

import annotated_types as at

#: the largest id or count either store holds (PostgreSQL ``INTEGER``)
MAX_ID = 2**31 - 1

#: the id of a stored thing (1 … 2^31 - 1)
Id = Annotated[int, at.Ge(1), at.Le(MAX_ID)]
#: a paging cursor: "after this id" (0 … 2^31 - 1)
Cursor = Annotated[int, at.Ge(0), at.Le(MAX_ID)]
#: a count or quantity (0 … 2^31 - 1)
Count = Annotated[int, at.Ge(0), at.Le(MAX_ID)]
