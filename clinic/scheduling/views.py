"""The front desk's pages on the `desk` blueprint: the calendar, "Find a slot", a visit,
and the screening form. Importing the page modules registers their routes, so `bp` is
complete wherever it is imported from."""

from __future__ import annotations

from clinic.scheduling import (  # noqa: F401  (each registers its pages on bp)
    booking_views,
    calendar_views,
    finder_views,
    new_time_views,
    patient_views,
    visit_views,
)
from clinic.scheduling.desk_views import bp

__all__ = ["bp"]
