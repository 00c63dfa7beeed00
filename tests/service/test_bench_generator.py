"""The benchmark's data generator writes rows outside the booking rules, so its own
invariants are checked here on a tiny clinic: visits that hold time never overlap on one
provider, room or patient; each follows visit_times; each lies in its provider's free hours
and the opening hours; the app reads the rows back (the SQLite text format is exact)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select

from bench.generate import SERVICES, Shape, generate, opening_hours, provider_hours
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.practice.models import Provider, Service
from clinic.scheduling.availability import busy_visits, service_timing
from clinic.scheduling.hours import day_spans
from clinic.scheduling.intervals import lies_inside, subtract, to_micros
from clinic.scheduling.models import Appointment, Screening
from clinic.scheduling.schedule import visit_times
from clinic.scheduling.status import HOLDING_TIME

TINY = Shape(
    "tiny",
    providers=3,
    rooms=2,
    patients=40,
    visits=50,
    past_days=10,
    future_days=10,
    reserved_patients=5,
)
NOW = datetime(2027, 3, 10, 17, 0, tzinfo=UTC)


def _overlapping(spans: list[tuple[datetime, datetime]]) -> bool:
    spans = sorted(spans)
    return any(later[0] < earlier[1] for earlier, later in pairwise(spans))


def test_tiny_clinic_is_consistent(app: Flask) -> None:
    with app.app_context():
        result = generate(TINY, now=NOW, progress=lambda _: None)
        assert result.visits == TINY.visits
        visits = list(db.session.scalars(select(Appointment)))
        assert len(visits) == TINY.visits
        assert db.session.scalar(select(func.count()).select_from(Patient)) == TINY.patients
        assert db.session.scalar(select(func.count()).select_from(Screening)) == TINY.patients
        assert not {v.patient_id for v in visits} & set(result.reserved_patient_ids)

        holding = [v for v in visits if v.status in HOLDING_TIME]
        assert holding
        by_provider, by_room, by_patient = defaultdict(list), defaultdict(list), defaultdict(list)
        for v in holding:
            by_provider[v.provider_id].append((v.provider_busy_from, v.ends_at))
            by_room[v.room_id].append((v.starts_at, v.room_busy_until))
            by_patient[v.patient_id].append((v.starts_at, v.ends_at))
        for groups in (by_provider, by_room, by_patient):
            assert not any(_overlapping(spans) for spans in groups.values())

        tz = ZoneInfo(result.timezone)
        providers = list(db.session.scalars(select(Provider).order_by(Provider.id)))
        index = {p.id: i for i, p in enumerate(providers)}
        services = {s.id: s for s in db.session.scalars(select(Service))}
        assert {s.name for s in services.values()} == {s.name for s in SERVICES}
        for v in visits:
            times = visit_times(service_timing(services[v.service_id]), v.starts_at)
            assert (times.ends_at, times.provider_busy.starts_at, times.room_busy.ends_at) == (
                v.ends_at,
                v.provider_busy_from,
                v.room_busy_until,
            )
            day = v.starts_at.astimezone(tz).date()
            working, breaks = provider_hours(TINY, index[v.provider_id])
            free = subtract(day_spans(working, day, tz), day_spans(breaks, day, tz))
            visit = (to_micros(v.starts_at), to_micros(v.ends_at))
            room = (to_micros(v.starts_at), to_micros(v.room_busy_until))
            assert lies_inside(visit, free)
            assert lies_inside(room, day_spans(opening_hours(TINY), day, tz))
            assert v.starts_at.astimezone(tz).minute % 15 == 0
            expected = (
                {"completed", "cancelled", "no_show"}
                if v.starts_at < NOW
                else {"booked", "cancelled"}
            )
            assert v.status.value in expected

        # The app's own range query finds every holding visit, read back as aware UTC.
        first = min(v.starts_at for v in visits)
        last = max(v.ends_at for v in visits)
        found = busy_visits(first - timedelta(hours=1), last + timedelta(hours=1))
        assert {b.appointment_id for b in found} == {v.id for v in holding}
