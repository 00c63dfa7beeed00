"""The nightly jobs: plan maintenance (nudges to book) and housekeeping.

Idempotent: every nudge has its own dedupe key, so running twice makes nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete

from clinic.accounts.models import ApiToken
from clinic.accounts.service import forget_old_failures
from clinic.extensions import db
from clinic.plans.rules import SessionStatus
from clinic.plans.service import (
    active_plans,
    is_course_settled,
    results_check_in_window,
    sessions_left,
    status_of,
)
from clinic.practice.service import find_clinic
from clinic.reminders.rules import MessageKind
from clinic.reminders.service import nudge

log = logging.getLogger(__name__)


def run_maintenance(now: datetime) -> None:
    clinic = find_clinic()
    if clinic is None:
        return
    today = now.astimezone(ZoneInfo(clinic.timezone)).date()
    plans = active_plans()
    nudges = 0
    tz = ZoneInfo(clinic.timezone)
    for plan in plans:
        for session in plan.sessions:
            if status_of(session, today) is SessionStatus.DUE and session.window_start <= today:
                if not sessions_left(plan, tz):
                    break  # the year's sessions are used up (an extra visit counts)
                nudges += nudge(
                    plan.patient,
                    MessageKind.NEXT_SESSION_DUE,
                    session.window_start,
                    f"session:{session.id}:{session.window_start.isoformat()}",
                    clinic=clinic,
                    plan_id=plan.id,
                    now=now,
                    planned_session_id=session.id,
                )
                break
        check_in = plan.results_appointment
        if check_in is not None and check_in.status.holds_time:
            continue
        if not is_course_settled(plan, today):
            continue  # no results to look at yet (sessions missed or still to book)
        window = results_check_in_window(plan, clinic)
        week_before_close = window.end - timedelta(days=7)
        for on, label in ((window.start, "opens"), (week_before_close, "closing")):
            if on <= today <= window.end:
                nudges += nudge(
                    plan.patient,
                    MessageKind.RESULTS_CHECK_IN_DUE,
                    on,
                    f"plan:{plan.id}:results:{label}:{window.start.isoformat()}",
                    clinic=clinic,
                    plan_id=plan.id,
                    now=now,
                )
    removed = forget_old_failures(now, keep=timedelta(days=1))
    expired = cast(
        CursorResult[Any],
        db.session.execute(delete(ApiToken).where(ApiToken.expires_at < now - timedelta(days=30))),
    ).rowcount
    log.info(
        "nightly: %s nudge(s) planned, %s old sign-in failure(s) and %s token(s) removed",
        nudges,
        removed,
        expired,
    )
