"""A large clinic written directly into the database, for the benchmarks.

Rows go in with bulk writes (COPY on PostgreSQL, executemany on SQLite), outside the booking
rules, yet consistent with them: every visit lies in its provider's working hours (minus
breaks and time off) and in the opening hours, on the slot grid, and no two visits overlap
on one provider, one room or one patient, so PostgreSQL's exclusion constraints accept them.
A visit's instants come from clinic.scheduling.schedule.visit_times, as the booking service's do.

Cancelled visits and no-shows keep their place in this plan (they never overlap anything),
which is stricter than the rules need. Past days are about half full; the future thins out
over the booking horizon, as a real calendar does. Everything follows from a seed.
"""

from __future__ import annotations

import math
import random
import time as clock
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bench.bulk import copy_rows, reset_sequence
from clinic.accounts.models import Role, User
from clinic.accounts.service import create_user
from clinic.audit.service import SYSTEM
from clinic.clock import combine_local
from clinic.demo import us_holidays
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import (
    Clinic,
    Closure,
    OpeningHours,
    Provider,
    ProviderBreak,
    Room,
    Service,
    ServiceKind,
    TimeOff,
    WorkingHours,
)
from clinic.scheduling.hours import WeeklyHours, day_spans, grid_starts
from clinic.scheduling.intervals import MINUTE, Span, from_micros, lies_inside, subtract, to_micros
from clinic.scheduling.models import Appointment
from clinic.scheduling.schedule import ServiceTiming, visit_times
from clinic.scheduling.screening import Contraindication, ScreeningPolicy, valid_until
from clinic.scheduling.status import AppointmentStatus

Progress = Callable[[str], None]

DESK_EMAIL = "desk@bench.clinic"
DESK_PASSWORD = "bench-desk-password"
DESK_LABEL = "Bench Desk (front_desk)"


@dataclass(frozen=True)
class Shape:
    """How big a clinic to write."""

    name: str
    providers: int
    rooms: int
    patients: int
    visits: int
    past_days: int
    future_days: int
    open_every_day: bool = False  # 08:00-20:00 all week (the million needs the room)
    reserved_patients: int = 400  # screened but given no visit: the booking benchmark's
    seed: int = 3


STANDARD = Shape(
    "100k",
    providers=10,
    rooms=10,
    patients=20_000,
    visits=100_000,
    past_days=8 * 365,
    future_days=365,
)
MILLION = Shape(
    "1M",
    providers=40,
    rooms=60,
    patients=20_000,
    visits=1_000_000,
    past_days=9 * 365,
    future_days=365,
    open_every_day=True,
)
# The million's clinic with a tenth of its visits: the same providers, rooms and next twelve
# months (so the same visits in the measured window, within a few), and 244 past days in
# place of nine years. Against it the million measures what ten times the table costs,
# with the clinic held the same (against STANDARD it also measures 4x the providers).
MILLION_BASE = replace(MILLION, name="1M-base", visits=100_000, past_days=244)


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    kind: ServiceKind
    timing: ServiceTiming
    share: float


_MN, _CHECK = ServiceKind.MICRONEEDLING, ServiceKind.RESULTS_CHECK_IN
SERVICES = (  # the demo clinic's services, with how often each is booked
    ServiceSpec("Microneedling — face", _MN, ServiceTiming(30, 45, 15, True), 0.40),
    ServiceSpec("Microneedling — face and neck", _MN, ServiceTiming(45, 45, 15, True), 0.25),
    ServiceSpec("Microneedling — body", _MN, ServiceTiming(45, 45, 20, True), 0.15),
    ServiceSpec("Results check-in", _CHECK, ServiceTiming(15, 0, 5, False), 0.20),
)


@dataclass
class Generated:
    """What the measurements need to know about the written clinic."""

    shape: Shape
    now: datetime
    timezone: str
    service_ids: dict[str, int] = field(default_factory=dict)
    provider_ids: list[int] = field(default_factory=list)
    room_ids: list[int] = field(default_factory=list)
    reserved_patient_ids: list[int] = field(default_factory=list)
    visits: int = 0
    holding_visits: int = 0
    seconds: float = 0.0

    @property
    def microneedling_service_id(self) -> int:
        return self.service_ids[SERVICES[0].name]


# -- weekly hours ---------------------------------------------------------------------------


def opening_hours(shape: Shape) -> list[WeeklyHours]:
    if shape.open_every_day:
        return [WeeklyHours(d, time(8), time(20)) for d in range(7)]
    week = [WeeklyHours(d, time(9), time(19)) for d in range(5)]
    return [*week, WeeklyHours(5, time(9), time(15))]


def provider_hours(shape: Shape, index: int) -> tuple[list[WeeklyHours], list[WeeklyHours]]:
    """Working hours and breaks of the index-th provider: early and late shifts alternate,
    one weekday off (two days off a week when the clinic opens every day)."""
    early = index % 2 == 0
    if shape.open_every_day:
        days = [d for d in range(7) if d not in {index % 7, (index + 3) % 7}]
        shift = (time(8), time(17)) if early else (time(11), time(20))
        pause = (time(12, 30), time(13, 15)) if early else (time(15), time(15, 30))
        saturday: tuple[time, time] | None = None
    else:
        days = [d for d in range(5) if d != index % 5]
        shift = (time(9), time(17)) if early else (time(11), time(19))
        pause = (time(12, 30), time(13, 15)) if early else (time(14), time(14, 30))
        saturday = (time(9), time(15)) if index % 3 == 0 else None
    working = [WeeklyHours(d, *shift) for d in days]
    breaks = [WeeklyHours(d, *pause) for d in days]
    if saturday:
        working.append(WeeklyHours(5, *saturday))
    return working, breaks


# -- the setup, through the ORM (a few hundred rows) ----------------------------------------


def _write_setup(shape: Shape, result: Generated, first_day: date, last_day: date) -> Clinic:
    tz = ZoneInfo(result.timezone)
    rng = random.Random(shape.seed)
    clinic = Clinic(name="Bench Skin Studio", phone="+14155550100", timezone=result.timezone)
    for row in opening_hours(shape):
        clinic.opening_hours.append(
            OpeningHours(weekday=row.weekday, opens_at=row.starts_at, closes_at=row.ends_at)
        )
    db.session.add(clinic)
    for year in range(first_day.year, last_day.year + 1):
        db.session.add_all(Closure(on=on, name=name) for on, name in us_holidays(year))
    for index in range(shape.providers):
        provider = Provider(name=f"Provider {index + 1:02d}", credential="RN, nurse aesthetician")
        working, breaks = provider_hours(shape, index)
        provider.working_hours = [
            WorkingHours(weekday=h.weekday, starts_at=h.starts_at, ends_at=h.ends_at)
            for h in working
        ]
        provider.breaks = [
            ProviderBreak(weekday=b.weekday, starts_at=b.starts_at, ends_at=b.ends_at)
            for b in breaks
        ]
        for year in range(first_day.year, last_day.year + 1):  # a week away each year
            monday = date(year, 1, 5) + timedelta(weeks=rng.randrange(48))
            monday -= timedelta(days=monday.weekday())
            provider.time_off.append(
                TimeOff(
                    starts_at=combine_local(monday, time(0), tz),
                    ends_at=combine_local(monday + timedelta(days=7), time(0), tz),
                    reason="Holiday",
                )
            )
        db.session.add(provider)
    db.session.add_all(
        Room(name=f"Room {index + 1:02d}", device="SkinPen Precision")
        for index in range(shape.rooms)
    )
    for spec in SERVICES:
        db.session.add(
            Service(
                name=spec.name,
                kind=spec.kind,
                procedure_minutes=spec.timing.procedure_minutes,
                numbing_minutes=spec.timing.numbing_minutes,
                buffer_minutes=spec.timing.buffer_minutes,
                provider_free_while_numbing=spec.timing.provider_free_while_numbing,
            )
        )
    create_user(
        DESK_EMAIL, "Bench Desk", Role.FRONT_DESK, DESK_PASSWORD, actor=SYSTEM, now=result.now
    )
    db.session.flush()
    result.service_ids = {s.name: s.id for s in db.session.scalars(select(Service))}
    result.provider_ids = list(db.session.scalars(select(Provider.id).order_by(Provider.id)))
    result.room_ids = list(db.session.scalars(select(Room.id).order_by(Room.id)))
    return clinic


# -- patients and screenings ----------------------------------------------------------------

_FIRST = ["Maria", "Aisha", "Olivia", "Sofia", "Hannah", "Mei", "Priya", "Chloe", "Grace", "Emma"]
_LAST = [
    "Rivera",
    "Nguyen",
    "Johnson",
    "Patel",
    "Kim",
    "Garcia",
    "Okafor",
    "Chen",
    "Novak",
    "Silva",
]


def _patient_rows(first_id: int, count: int, now: datetime, rng: random.Random) -> Iterator[tuple]:
    today = now.date()
    for offset in range(count):
        pid = first_id + offset
        first, last = _FIRST[pid % 10], _LAST[(pid // 10) % 10]
        born = today - timedelta(days=rng.randint(23 * 366, 70 * 365))  # no sign-off needed
        email = f"patient{pid}@example.com"
        phone = f"+1415{pid % 10_000_000:07d}"
        yield (
            pid,
            first,
            last,
            born,
            email,
            phone,
            True,
            True,
            "",
            now,
            now,
            f"{first} {last}".lower(),
            last.lower(),
            email,
            phone[1:],
        )


PATIENT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "email_consent",
    "sms_consent",
    "notes",
    "created_at",
    "updated_at",
    "search_name",
    "search_last",
    "email_key",
    "phone_digits",
)
SCREENING_COLUMNS = (
    "patient_id",
    "taken_at",
    "taken_on",
    "answers",
    "eligible",
    "contraindications",
    "valid_until",
    "recorded_by_label",
)


def _screening_rows(
    patient_ids: range, now: datetime, tz: ZoneInfo, rng: random.Random
) -> Iterator[tuple]:
    """One recent, eligible screening per patient, so microneedling can be booked."""
    answers = {code.value: False for code in Contraindication}
    policy = ScreeningPolicy()
    for pid in patient_ids:
        taken_at = now - timedelta(days=rng.randint(1, 150), minutes=rng.randint(0, 600))
        taken_on = taken_at.astimezone(tz).date()
        yield (
            pid,
            taken_at,
            taken_on,
            answers,
            True,
            [],
            valid_until(taken_on, policy),
            DESK_LABEL,
        )


# -- visits ---------------------------------------------------------------------------------

APPOINTMENT_COLUMNS = (
    "id",
    "patient_id",
    "service_id",
    "provider_id",
    "room_id",
    "status",
    "starts_at",
    "ends_at",
    "provider_busy_from",
    "room_busy_until",
    "created_at",
    "created_by_id",
    "checked_in_at",
    "completed_at",
    "cancelled_at",
    "cancelled_by_label",
    "cancel_reason",
    "is_late_cancellation",
)


@dataclass(frozen=True)
class _Offsets:
    """A service's spans relative to the start, in microseconds (from visit_times)."""

    service_id: int
    end: int
    provider_from: int
    room_until: int


def _offsets(spec: ServiceSpec, service_id: int) -> _Offsets:
    start = datetime(2030, 1, 1, tzinfo=ZoneInfo("UTC"))
    times = visit_times(spec.timing, start)
    base = to_micros(start)
    return _Offsets(
        service_id,
        to_micros(times.ends_at) - base,
        to_micros(times.provider_busy.starts_at) - base,
        to_micros(times.room_busy.ends_at) - base,
    )


def _density(days_ahead: int) -> float:
    """How full a day is, relative to a past day: the near future is nearly as full, the
    end of the horizon nearly empty."""
    if days_ahead < 0:
        return 1.0
    return 0.85 * math.exp(-days_ahead / 90) + 0.05


class _Planner:
    """Lays visits out day by day: each room's day is walked on the slot grid with random
    gaps sized to the day's quota; a visit takes the first working provider free for it."""

    def __init__(self, shape: Shape, result: Generated, created_by_id: int, tz: ZoneInfo) -> None:
        self.shape, self.result, self.tz = shape, result, tz
        self.created_by_id = created_by_id
        self.rng = random.Random(shape.seed + 1)
        self.opening = opening_hours(shape)
        self.hours = [provider_hours(shape, i) for i in range(shape.providers)]
        self.offsets = [_offsets(s, result.service_ids[s.name]) for s in SERVICES]
        self.shares = [s.share for s in SERVICES]
        self.grid = 15 * MINUTE
        self.mean_room = sum(
            o.room_until * s.share for o, s in zip(self.offsets, SERVICES, strict=True)
        )

    def days(self, first: date, last: date, closures: set[date]) -> list[tuple[date, float]]:
        today = self.result.now.astimezone(self.tz).date()
        found = []
        day = first
        while day <= last:
            opening = day_spans(self.opening, day, self.tz)
            if opening and day not in closures:
                minutes = sum(e - s for s, e in opening) / MINUTE
                found.append((day, _density((day - today).days) * minutes))
            day += timedelta(days=1)
        return found

    def rows(
        self,
        days: list[tuple[date, float]],
        time_off: dict[int, list[Span]],
        patients: list[int],
        first_id: int,
    ) -> Iterator[tuple]:
        total_weight = sum(w for _, w in days)
        wanted = self.shape.visits
        placed = 0
        carried = 0.0
        next_patient = 0
        now_micros = to_micros(self.result.now)
        for day, weight in days:
            carried += wanted * weight / total_weight
            # Rounded up, so the total is reached a little before the horizon's sparse end.
            quota = min(math.ceil(carried), wanted - placed)
            visits = self._day(day, quota, time_off)
            carried -= len(visits)
            for start, offsets, provider_id, room_id in visits:
                patient_id = patients[next_patient % len(patients)]
                next_patient += 1
                yield self._row(
                    first_id + placed, patient_id, start, offsets, provider_id, room_id, now_micros
                )
                placed += 1
        if placed < wanted:
            raise RuntimeError(f"only {placed} of {wanted} visits fit; make the clinic bigger")

    def _day(self, day: date, quota: int, time_off: dict[int, list[Span]]) -> list[tuple]:
        if quota <= 0:
            return []
        opening = day_spans(self.opening, day, self.tz)
        free: list[tuple[int, list[Span], list[Span]]] = []
        for index, (working, breaks) in enumerate(self.hours):
            provider_id = self.result.provider_ids[index]
            spans = subtract(day_spans(working, day, self.tz), day_spans(breaks, day, self.tz))
            spans = subtract(spans, time_off.get(provider_id, ()))
            if spans:
                free.append((provider_id, spans, []))
        if not free:
            return []
        starts = grid_starts(self.opening, day, self.tz, 15)
        rooms = self.shape.rooms
        per_room = quota / rooms
        open_micros = sum(e - s for s, e in opening)
        longest = max(o.room_until for o in self.offsets)
        slack = max(0.0, open_micros - per_room * self.mean_room)
        mean_gap = slack / (per_room + 1)  # gaps spread a room's visits over its day
        placed: list[tuple] = []
        for room_index in range(rooms):
            room_id = self.result.room_ids[room_index]
            room_quota = int(per_room * (room_index + 1) + 0.5) - int(per_room * room_index + 0.5)
            first_gap = min(self._gap(mean_gap), max(0, open_micros - longest))
            cursor = starts[0] + first_gap // self.grid * self.grid
            done = 0
            while done < room_quota and cursor <= starts[-1]:
                offsets = self.rng.choices(self.offsets, self.shares)[0]
                room_span = (cursor, cursor + offsets.room_until)
                if not lies_inside(room_span, opening):
                    cursor += self.grid
                    continue
                provider = self._provider(free, cursor, offsets)
                if provider is None:
                    cursor += self.grid
                    continue
                placed.append((cursor, offsets, provider, room_id))
                done += 1
                end = room_span[1]
                cursor = end + (-(end - starts[0]) % self.grid) + self._gap(mean_gap)
        placed.sort(key=lambda v: (v[0], v[3]))
        return placed

    def _gap(self, mean: float) -> int:
        return int(self.rng.uniform(0, 2 * mean) // self.grid) * self.grid

    def _provider(self, free: list, start: int, offsets: _Offsets) -> int | None:
        visit = (start, start + offsets.end)
        busy = (start + offsets.provider_from, visit[1])
        order = list(range(len(free)))
        self.rng.shuffle(order)
        for index in order:
            provider_id, spans, taken = free[index]
            if lies_inside(visit, spans) and all(busy[1] <= s or e <= busy[0] for s, e in taken):
                taken.append(busy)
                return provider_id
        return None

    def _row(
        self,
        visit_id: int,
        patient_id: int,
        start: int,
        offsets: _Offsets,
        provider_id: int,
        room_id: int,
        now: int,
    ) -> tuple:
        starts_at = from_micros(start)
        ends_at = from_micros(start + offsets.end)
        created_at = from_micros(min(now, start - self.rng.randint(1, 40) * 86_400_000_000))
        roll = self.rng.random()
        checked_in_at = completed_at = cancelled_at = None
        label = reason = None
        if start < now:
            if roll < 0.87:
                status = AppointmentStatus.COMPLETED
                checked_in_at, completed_at = starts_at, ends_at
            elif roll < 0.95:
                status = AppointmentStatus.CANCELLED
            else:
                status = AppointmentStatus.NO_SHOW
        else:
            status = AppointmentStatus.BOOKED if roll < 0.93 else AppointmentStatus.CANCELLED
        if status is AppointmentStatus.CANCELLED:
            cancelled_at = max(created_at, starts_at - timedelta(days=3))
            label, reason = DESK_LABEL, "Patient asked to cancel."
        return (
            visit_id,
            patient_id,
            offsets.service_id,
            provider_id,
            room_id,
            status.value,
            starts_at,
            ends_at,
            from_micros(start + offsets.provider_from),
            from_micros(start + offsets.room_until),
            created_at,
            self.created_by_id,
            checked_in_at,
            completed_at,
            cancelled_at,
            label,
            reason,
            False,
        )


# -- the whole clinic -----------------------------------------------------------------------


def generate(
    shape: Shape,
    *,
    now: datetime,
    timezone: str = "America/Los_Angeles",
    progress: Progress = print,
) -> Generated:
    """Write `shape`'s clinic into the app's (empty) database and commit."""
    began = clock.perf_counter()
    tz = ZoneInfo(timezone)
    result = Generated(shape=shape, now=now, timezone=timezone)
    today = now.astimezone(tz).date()
    first_day = today - timedelta(days=shape.past_days)
    last_day = today + timedelta(days=shape.future_days)
    _write_setup(shape, result, first_day, last_day)
    connection = db.session.connection()
    rng = random.Random(shape.seed + 2)

    first_patient = (db.session.scalar(select(func.max(Patient.id))) or 0) + 1
    copy_rows(
        connection,
        "patients",
        PATIENT_COLUMNS,
        _patient_rows(first_patient, shape.patients, now, rng),
    )
    patient_ids = range(first_patient, first_patient + shape.patients)
    copy_rows(
        connection, "screenings", SCREENING_COLUMNS, _screening_rows(patient_ids, now, tz, rng)
    )
    progress(f"  {shape.patients:,} patients and screenings written ({_since(began)})")
    reserved = min(shape.reserved_patients, shape.patients // 4)
    pool = list(patient_ids[: shape.patients - reserved])
    rng.shuffle(pool)
    result.reserved_patient_ids = list(patient_ids[shape.patients - reserved :])

    closures = set(db.session.scalars(select(Closure.on)))
    time_off: dict[int, list[Span]] = {}
    for row in db.session.scalars(select(TimeOff)):
        time_off.setdefault(row.provider_id, []).append(
            (to_micros(row.starts_at), to_micros(row.ends_at))
        )
    desk_id = db.session.scalar(select(User.id).where(User.email == DESK_EMAIL))
    assert desk_id is not None
    planner = _Planner(shape, result, desk_id, tz)
    days = planner.days(first_day, last_day, closures)
    first_visit = (db.session.scalar(select(func.max(Appointment.id))) or 0) + 1
    counted = {"all": 0, "holding": 0}

    def watched(rows: Iterator[tuple]) -> Iterator[tuple]:
        step = max(shape.visits // 10, 1)
        for row in rows:
            counted["all"] += 1
            counted["holding"] += row[5] in {"booked", "checked_in", "completed"}
            if counted["all"] % step == 0:
                progress(f"  {counted['all']:,} / {shape.visits:,} visits ({_since(began)})")
            yield row

    copy_rows(
        connection,
        "appointments",
        APPOINTMENT_COLUMNS,
        watched(planner.rows(days, time_off, pool, first_visit)),
    )
    for table in ("patients", "screenings", "appointments"):
        reset_sequence(connection, table)
    db.session.commit()
    result.visits, result.holding_visits = counted["all"], counted["holding"]
    result.seconds = clock.perf_counter() - began
    return result


def _since(began: float) -> str:
    return f"{clock.perf_counter() - began:.1f} s"
