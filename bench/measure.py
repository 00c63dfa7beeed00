"""The measurements of issue 3, on one generated clinic.

Each figure is N timed runs (time.perf_counter) after a few untimed warm-up runs, reported as
p50 and p95 in milliseconds. Requests go through Flask's test client in-process, the way
the peer figure of the issue was taken (Django's test client); the service figures call the
service function inside an app context with a fresh session per run, as a request has.
Endpoints that another person is still building are looked up at run time: when one is
missing (or answers with an error) its figure is skipped with a note, never faked.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select

from bench.explain import appointment_reads
from bench.floors import RawReader, availability_floor, booking_floor, day_view_floor
from bench.generate import DESK_EMAIL, DESK_PASSWORD, Generated
from clinic.accounts.models import User
from clinic.accounts.service import issue_token
from clinic.clock import local_day_bounds, utcnow
from clinic.extensions import db
from clinic.practice.models import Service
from clinic.practice.service import get_clinic
from clinic.scheduling.availability import AvailabilityQuery, find_availability, load_setup
from clinic.scheduling.models import Appointment
from clinic.scheduling.schedule import Slot, visit_times
from clinic.scheduling.status import HOLDING_TIME

API = "/api/v1"
WINDOW_DAYS = 14
Progress = Callable[[str], None]


@dataclass
class Figure:
    """One measured quantity; `floor_*` is its raw-SQL floor when it has one."""

    name: str
    label: str
    samples_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def p50(self) -> float | None:
        return percentile(self.samples_ms, 0.50)

    @property
    def p95(self) -> float | None:
        return percentile(self.samples_ms, 0.95)

    @property
    def floor_p50(self) -> float | None:
        return percentile(self.floor_ms, 0.50)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "runs": len(self.samples_ms),
            "p50_ms": _round(self.p50),
            "p95_ms": _round(self.p95),
            "floor_p50_ms": _round(self.floor_p50),
            "floor_p95_ms": _round(percentile(self.floor_ms, 0.95)),
            "note": self.note,
        }


def percentile(samples: list[float], q: float) -> float | None:
    """The nearest-rank percentile (p50 of an even count: the upper middle)."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def sample(run: Callable[[int], object], runs: int, warmup: int) -> list[float]:
    """Milliseconds of `run(i)` for i in range(runs), after `warmup` untimed calls."""
    for index in range(warmup):
        run(-1 - index)
    timings = []
    for index in range(runs):
        began = time.perf_counter()
        run(index)
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def has_route(app: Flask, path: str, method: str) -> bool:
    return any(r.rule == path and method in (r.methods or ()) for r in app.url_map.iter_rules())


class Session:
    """One clinic's measurements: a staff token, a signed-in client, the window."""

    def __init__(
        self, app: Flask, generated: Generated, runs: int, warmup: int, progress: Progress
    ) -> None:
        self.app, self.generated = app, generated
        self.runs, self.warmup, self.progress = runs, warmup, progress
        self.tz = ZoneInfo(generated.timezone)
        self.client = app.test_client()
        self.figures: dict[str, Figure] = {}
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == DESK_EMAIL))
            assert user is not None
            self.user_id = user.id
            self.token = issue_token(user, now=utcnow(), lifetime=timedelta(hours=12)).token
            db.session.commit()
        self.token_hash = hashlib.sha256(self.token.encode()).hexdigest()
        self.auth = {"Authorization": f"Bearer {self.token}"}
        today = utcnow().astimezone(self.tz).date()
        self.from_on = today + timedelta(days=1)  # past the lead time
        self.to_on = self.from_on + timedelta(days=WINDOW_DAYS - 1)
        self.service_id = generated.microneedling_service_id

    def add(self, figure: Figure) -> Figure:
        self.figures[figure.name] = figure
        shown = f"p50 {figure.p50:.2f} ms, p95 {figure.p95:.2f} ms" if figure.samples_ms else ""
        floor = f", floor p50 {figure.floor_p50:.2f} ms" if figure.floor_ms else ""
        self.progress(f"  {figure.label}: {shown}{floor} {figure.note}".rstrip())
        return figure

    # -- the baseline ---------------------------------------------------------------------

    def trivial(self) -> None:
        figure = Figure("trivial", "GET /api/v1/clinic (baseline)")
        self._expect(self.client.get(f"{API}/clinic", headers=self.auth), 200)
        figure.samples_ms = sample(
            lambda _: self.client.get(f"{API}/clinic", headers=self.auth), self.runs, self.warmup
        )
        self.add(figure)

    # -- availability ---------------------------------------------------------------------

    def _find(self, from_on: date, to_on: date, provider_id: int | None = None) -> list[Slot]:
        db.session.remove()
        clinic = get_clinic()
        service = db.session.get(Service, self.service_id)
        assert service is not None
        query = AvailabilityQuery(service, from_on, to_on, provider_id=provider_id)
        return find_availability(query, clinic=clinic, now=utcnow())

    def availability(self) -> None:
        figure = Figure("availability_service", "availability, 14 days, all providers (service)")
        window = (
            local_day_bounds(self.from_on, self.tz)[0],
            local_day_bounds(self.to_on, self.tz)[1],
        )
        with self.app.app_context():
            slots = self._find(self.from_on, self.to_on)
            busy = db.session.scalar(
                select(func.count()).where(
                    Appointment.starts_at >= window[0],
                    Appointment.starts_at < window[1],
                    Appointment.status.in_(HOLDING_TIME),
                )
            )
            figure.note = f"({len(slots)} slots, {busy} busy visits in the window)"
            figure.samples_ms = sample(
                lambda _: self._find(self.from_on, self.to_on), self.runs, self.warmup
            )
            db.session.remove()
            reader = RawReader()

            def floor(_: int) -> None:
                availability_floor(reader, self.service_id, window)
                reader.connection.rollback()

            figure.floor_ms = sample(floor, self.runs, self.warmup)
            reader.close()
        self.add(figure)
        http = Figure("availability_http", "GET /api/v1/availability, 14 days, all providers")
        http.floor_ms = figure.floor_ms
        if not has_route(self.app, f"{API}/availability", "GET"):
            http.note = "skipped: GET /api/v1/availability does not exist yet"
            self.add(http)
            return
        url = (
            f"{API}/availability?service_id={self.service_id}"
            f"&from={self.from_on.isoformat()}&to={self.to_on.isoformat()}"
        )
        if self._expect(self.client.get(url, headers=self.auth), 200, http):
            http.samples_ms = sample(
                lambda _: self.client.get(url, headers=self.auth), self.runs, self.warmup
            )
        self.add(http)
        self.per_provider_day(http)

    def per_provider_day(self, search: Figure) -> None:
        """The 14-day search over all providers as a rate: its time divided by the
        provider-days it answered (days a provider works and the clinic is open). The peer
        figure is a cost per provider-day (it loops day by day), so this is the like for
        like comparison; a lone one-day request is reported beside it (provider_day)."""
        figure = Figure("per_provider_day_http", "GET /api/v1/availability, per provider-day")
        with self.app.app_context():
            provider_days = self._working_provider_days(self.from_on, self.to_on)
        if not search.samples_ms or not provider_days:
            figure.note = "skipped: " + (
                "no 14-day search measured" if provider_days else "nobody works in the window"
            )
            self.add(figure)
            return
        figure.samples_ms = [ms / provider_days for ms in search.samples_ms]
        figure.note = f"(the 14-day search / {provider_days} working provider-days)"
        self.add(figure)

    def _working_provider_days(self, from_on: date, to_on: date) -> int:
        clinic = get_clinic()
        start, _ = local_day_bounds(from_on, self.tz)
        _, end = local_day_bounds(to_on, self.tz)
        setup = load_setup(clinic, start, end)
        open_days = {row.weekday for row in setup.opening_hours}
        count = 0
        for offset in range((to_on - from_on).days + 1):
            on = from_on + timedelta(days=offset)
            if on in setup.closures or on.weekday() not in open_days:
                continue
            count += sum(
                any(row.weekday == on.weekday() for row in provider.working_hours)
                for provider in setup.providers
            )
        db.session.remove()
        return count

    def provider_day(self) -> None:
        """One provider's availability for one day with about four visits (the peer's
        case): the weekday in the window where a provider has the count closest to four."""
        with self.app.app_context():
            provider_id, on, visits = self._typical_provider_day()
            figure = Figure("provider_day_service", "one provider-day (service)")
            figure.note = f"(provider {provider_id}, {on}, {visits} visits that day)"
            figure.samples_ms = sample(
                lambda _: self._find(on, on, provider_id), self.runs, self.warmup
            )
            db.session.remove()
        self.add(figure)
        http = Figure("provider_day_http", "GET /api/v1/availability, one provider-day")
        if not has_route(self.app, f"{API}/availability", "GET"):
            http.note = "skipped: GET /api/v1/availability does not exist yet"
            self.add(http)
            return
        url = (
            f"{API}/availability?service_id={self.service_id}&provider_id={provider_id}"
            f"&from={on.isoformat()}&to={on.isoformat()}"
        )
        if self._expect(self.client.get(url, headers=self.auth), 200, http):
            http.samples_ms = sample(
                lambda _: self.client.get(url, headers=self.auth), self.runs, self.warmup
            )
        http.note = figure.note
        self.add(http)

    def _typical_provider_day(self) -> tuple[int, date, int]:
        best: tuple[int, int, date, int] | None = None
        for offset in range(WINDOW_DAYS):
            on = self.from_on + timedelta(days=offset)
            start, end = local_day_bounds(on, self.tz)
            counts = db.session.execute(
                select(Appointment.provider_id, func.count())
                .where(
                    Appointment.starts_at >= start,
                    Appointment.starts_at < end,
                    Appointment.status.in_(HOLDING_TIME),
                )
                .group_by(Appointment.provider_id)
            ).all()
            for provider_id, count in counts:
                score = abs(count - 4)
                if best is None or score < best[0]:
                    best = (score, provider_id, on, count)
        if best is None:
            return self.generated.provider_ids[0], self.from_on, 0
        return best[1], best[2], best[3]

    # -- the day view ---------------------------------------------------------------------

    def day_view(self) -> None:
        figure = Figure("day_view", "GET /calendar?date= (day view, signed in)")
        if not has_route(self.app, "/calendar", "GET"):
            figure.note = "skipped: GET /calendar does not exist yet"
            self.add(figure)
            return
        page = self.app.test_client()
        signed = page.post("/sign-in", data={"email": DESK_EMAIL, "password": DESK_PASSWORD})
        if signed.status_code != 302:
            figure.note = f"skipped: sign-in answered {signed.status_code}"
            self.add(figure)
            return
        days = [self.from_on + timedelta(days=i) for i in range(WINDOW_DAYS)]
        days = [d for d in days if d.weekday() < 5] or days
        first = page.get(f"/calendar?date={days[0].isoformat()}")
        if not self._expect(first, 200, figure):
            self.add(figure)
            return
        figure.samples_ms = sample(
            lambda i: page.get(f"/calendar?date={days[i % len(days)].isoformat()}"),
            self.runs,
            self.warmup,
        )
        with self.app.app_context():
            reader = RawReader()

            def floor(i: int) -> None:
                on = days[i % len(days)]
                day_view_floor(reader, self.user_id, on, local_day_bounds(on, self.tz))
                reader.connection.rollback()

            figure.floor_ms = sample(floor, self.runs, self.warmup)
            reader.close()
        self.add(figure)

    # -- booking --------------------------------------------------------------------------

    def booking(self) -> None:
        figure = Figure("booking_http", "POST /api/v1/appointments (booking)")
        if not has_route(self.app, f"{API}/appointments", "POST"):
            figure.note = "skipped: POST /api/v1/appointments does not exist yet"
            self.add(figure)
            return
        patients = self.generated.reserved_patient_ids
        runs = min(self.runs, len(patients) // 2 - self.warmup)
        with self.app.app_context():
            slots = self._spread_slots(2 * (runs + self.warmup))
            service = db.session.get(Service, self.service_id)
            assert service is not None
            from clinic.scheduling.availability import service_timing

            timing = service_timing(service)
            db.session.remove()
        if len(slots) < 2 * (runs + self.warmup):
            figure.note = f"skipped: only {len(slots)} far-apart free slots found"
            self.add(figure)
            return
        failures: list[str] = []

        def book(i: int) -> None:
            index = i + self.warmup if i >= 0 else -1 - i
            slot = slots[index]
            body = {
                "patient_id": patients[index],
                "service_id": self.service_id,
                "start": slot.start_utc.astimezone(self.tz).isoformat(),
                "provider_id": slot.provider_id,
            }
            response = self.client.post(f"{API}/appointments", json=body, headers=self.auth)
            if response.status_code != 201:
                failures.append(f"{response.status_code} {response.get_data(as_text=True)[:200]}")

        figure.samples_ms = sample(book, runs, self.warmup)
        if failures:
            figure.note = f"{len(failures)} of {runs + self.warmup} refused, first: {failures[0]}"
        offset = runs + self.warmup
        with self.app.app_context():
            reader = RawReader()

            def floor(i: int) -> None:
                index = offset + (i + self.warmup if i >= 0 else -1 - i)
                slot = slots[index]
                times = visit_times(timing, slot.start_utc)
                booking_floor(
                    reader,
                    token_hash=self.token_hash,
                    patient_id=patients[index],
                    service_id=self.service_id,
                    provider_id=slot.provider_id,
                    room_id=slot.room_id,
                    times=(
                        times.starts_at,
                        times.ends_at,
                        times.provider_busy.starts_at,
                        times.room_busy.ends_at,
                    ),
                    user_id=self.user_id,
                    now=utcnow(),
                )

            figure.floor_ms = sample(floor, runs, self.warmup)
            reader.close()
        self.add(figure)

    def _spread_slots(self, count: int) -> list[Slot]:
        """Free slots at least three hours apart, far in the future, so that no two of them
        (nor the bookings made on them) touch one provider, room or patient."""
        start = self.from_on + timedelta(days=120)
        slots = self._find(start, start + timedelta(days=150))
        chosen: list[Slot] = []
        for slot in slots:
            if not chosen or slot.start_utc >= chosen[-1].start_utc + timedelta(hours=3):
                chosen.append(slot)
                if len(chosen) == count:
                    break
        return chosen

    def _expect(self, response: Any, status: int, figure: Figure | None = None) -> bool:
        if response.status_code == status:
            return True
        message = f"skipped: answered {response.status_code}, not {status}"
        if response.status_code >= 500:
            message += " (the page is still being built)"
        if figure is None:
            raise RuntimeError(message + ": " + response.get_data(as_text=True)[:300])
        figure.note = message
        return False

    def explain(self) -> dict[str, list[str]]:
        """How the reads that grow with the table reach appointments (bench/explain.py)."""
        with self.app.app_context():
            plans = appointment_reads(self.from_on, self.to_on, self.tz)
        for name, lines in plans.items():
            self.progress(f"  plan of {name}: {'; '.join(lines) or 'no read of appointments'}")
        return plans

    def all(self) -> dict[str, Figure]:
        self.trivial()
        self.availability()
        self.provider_day()
        self.day_view()
        self.booking()
        return self.figures
