"""The check and the guard around one booking or move.

`Calendar` reads the clinic's setup and the visits around a start once, so that trying every
provider costs no further queries; `refuse` turns its verdict into the answer (every broken
rule at once as a 422, even when the time is also taken; else the visits in the way as a
409). Two bookings racing for one time cannot both win: on SQLite a booking first takes the
database's single write lock (`serialise_bookings`), so the check and the insert are
serialised; on PostgreSQL the exclusion constraints refuse the second insert, which
`flush_guarded` turns into the same 409.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError

from clinic.errors import Conflict, RuleBroken
from clinic.extensions import db
from clinic.practice.models import Clinic, Provider, Service
from clinic.scheduling.availability import (
    LONGEST_VISIT,
    booking_policy,
    busy_visits,
    load_setup,
    service_timing,
)
from clinic.scheduling.models import BookingLock
from clinic.scheduling.schedule import BusyVisit, ClinicSetup
from clinic.scheduling.slots import BookingCheck, check_booking

CALENDAR_LOCK = "calendar"
EXCLUSION_VIOLATION = "23P01"  # PostgreSQL's SQLSTATE for an exclusion constraint
# Two bookings racing for one time each insert their row, then check the constraint, and
# each finds the other's row not yet committed: both wait, PostgreSQL fails one of them
# (its documentation warns of this for exclusion constraints). That one lost the race too.
DEADLOCK = "40P01"


def serialise_bookings() -> None:
    """On SQLite, take the database's write lock before checking (see the module doc).
    Taking it twice in one transaction is harmless."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(BookingLock)
            .where(BookingLock.name == CALENDAR_LOCK)
            .values(version=BookingLock.version + 1)
        )


@dataclass(frozen=True)
class Calendar:
    """The clinic's setup and the visits around one start, read once per booking so that
    trying every provider costs no further queries."""

    clinic: Clinic
    setup: ClinicSetup
    busy: list[BusyVisit]
    now: datetime

    @classmethod
    def around(cls, starts_at: datetime, *, clinic: Clinic, now: datetime) -> Calendar:
        busy = busy_visits(starts_at - LONGEST_VISIT, starts_at + LONGEST_VISIT)
        setup = load_setup(clinic, starts_at - LONGEST_VISIT, starts_at + LONGEST_VISIT)
        return cls(clinic, setup, busy, now)

    def check(
        self,
        service: Service,
        starts_at: datetime,
        provider_id: int,
        *,
        patient_id: int,
        room_id: int | None = None,
        ignore: int | None = None,
    ) -> BookingCheck:
        return check_booking(
            self.setup,
            service_timing(service),
            self.busy,
            starts_at=starts_at,
            provider_id=provider_id,
            tz=ZoneInfo(self.clinic.timezone),
            now=self.now,
            policy=booking_policy(self.clinic),
            room_id=room_id,
            patient_id=patient_id,
            ignore_appointment_id=ignore,
        )

    def choose_provider(
        self, service: Service, starts_at: datetime, provider: Provider | None, *, patient_id: int
    ) -> BookingCheck:
        """The given provider's check, or the first provider (by id) free at that time;
        when none is, the first without a broken rule (its conflicts make the 409)."""
        check = partial(self.check, service, starts_at, patient_id=patient_id)
        if provider is not None:
            return check(provider.id)
        checks = [check(p.provider_id) for p in self.setup.providers]
        if not checks:
            raise RuleBroken(
                "No provider works at this clinic yet.",
                {"provider_id": "No provider is available."},
            )
        for candidate in checks:
            if candidate.is_bookable:
                return candidate
        return next((c for c in checks if not c.problems), checks[0])


def refuse(
    check: BookingCheck,
    patient_problems: list[str],
    more_problems: dict[str, str] | None = None,
) -> None:
    """Every broken rule at once as a 422 (even when the time is also taken), the
    calendar's first, then the patient's, then `more_problems` (by field); else the
    conflicts as a 409."""
    fields: dict[str, str] = {}
    for problem in check.problems:
        fields[problem.field] = " ".join(
            filter(None, [fields.get(problem.field), problem.sentence])
        )
    if patient_problems:
        fields["patient_id"] = " ".join(patient_problems)
    fields.update(more_problems or {})
    if fields:
        sentences = [
            *(p.sentence for p in check.problems),
            *patient_problems,
            *(more_problems or {}).values(),
        ]
        raise RuleBroken(sentences[0], fields)
    if check.conflicts:
        raise conflict_of(check)


def conflict_of(check: BookingCheck) -> Conflict:
    kinds = sorted({c.kind.value for c in check.conflicts})
    return Conflict(
        f"The time is taken ({', '.join(kinds)} already busy); choose another time.",
        [{"kind": c.kind.value, "appointment_id": c.appointment_id} for c in check.conflicts],
    )


def flush_guarded(change: Callable[[], None], recheck: Callable[[], BookingCheck]) -> None:
    """Make the visit's change and flush it in a savepoint. An exclusion violation
    (PostgreSQL: a booking that won a race since our check), or the deadlock that racing
    inserts may cause (DEADLOCK), becomes the 409 a check made now gives, naming the
    winner once it has committed.

    The change is made inside the savepoint on purpose: `begin_nested()` first flushes
    whatever is pending, outside the savepoint, so a visit added or moved before it would
    hit the constraint there, break the whole transaction, and answer 500 instead of 409.
    The savepoint costs two round trips a booking; rolling back the whole transaction
    instead would also undo what the caller did before (several visits booked in one
    transaction, as the demo clinic is), which a service must not do.
    """
    try:
        with db.session.begin_nested():
            change()
            db.session.flush()
    except (IntegrityError, OperationalError) as error:
        if getattr(error.orig, "sqlstate", None) not in (EXCLUSION_VIOLATION, DEADLOCK):
            raise
        check = recheck()
        conflict = (
            conflict_of(check)
            if check.conflicts
            else Conflict("The time was taken a moment ago; choose another time.")
        )
        raise conflict from error
