"""The accounts pages on the `accounts` blueprint. Importing the page modules registers
their routes, so `bp` is complete wherever it is imported from."""

from __future__ import annotations

from clinic.accounts import (  # noqa: F401  (each registers its pages on bp)
    sign_in_views,
    staff_views,
)
from clinic.accounts.blueprint import bp

__all__ = ["bp"]
