"""The portal's pages on the `portal` blueprint. Importing the page modules registers
their routes, so `bp` is complete wherever it is imported from."""

from __future__ import annotations

from clinic.portal import (  # noqa: F401  (each registers its pages on bp)
    access_views,
    booking_views,
    change_views,
    page_views,
)
from clinic.portal.blueprint import bp

__all__ = ["bp"]
