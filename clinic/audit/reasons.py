"""The written reason behind a clinician's override (a sign-off for one visit, more sessions
than the usual in a plan): it goes in the audit log, so it must say why in words. "x" or
"ok" passes a required-field check and tells a later reader nothing."""

from __future__ import annotations

SHORTEST_REASON = 10  # characters, spaces inside included: "Severe scarring" passes


def reason_problem(reason: str) -> str | None:
    """Why this reason cannot be kept, or None. `reason` is already stripped."""
    if len(reason) < SHORTEST_REASON:
        return (
            f"Write the reason in a few words (at least {SHORTEST_REASON} characters): "
            "it is kept in the audit log."
        )
    return None
