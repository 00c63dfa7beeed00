"""The staff's plan pages on the `plans` blueprint: the builder, the plan page with its
timeline and actions, booking a session from it, and the call list. Importing the page
modules registers their routes, so `bp` is complete wherever it is imported from."""

from __future__ import annotations

from clinic.plans import (  # noqa: F401  (each registers its pages on bp)
    views_actions,
    views_booking,
    views_builder,
    views_plan,
)
from clinic.plans.views_base import bp

__all__ = ["bp"]
