"""The demo clinic that `seed-demo` builds: a realistic day's worth of setup and patients.

Deterministic (a fixed random seed), so screenshots and walkthroughs look the same on every
machine. Dates that matter (holidays, birthdays) are computed from `today`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import MO, TH, relativedelta

from clinic.accounts.models import Role
from clinic.accounts.service import create_user
from clinic.audit.service import SYSTEM
from clinic.demo_visits import DEMO_HISTORY_DAYS, build_demo_visits
from clinic.extensions import db
from clinic.patients.rules import PatientInput
from clinic.patients.service import create_patient
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
from clinic.practice.rules import Indication


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


DEMO_LOGINS = (
    DemoLogin("admin", "admin@demo.clinic", "demo-admin-pass"),
    DemoLogin("front_desk", "desk@demo.clinic", "demo-desk-pass"),
    DemoLogin("clinician", "nurse@demo.clinic", "demo-nurse-pass"),
)

FACE = [
    Indication.FACIAL_WRINKLES,
    Indication.FINE_LINES,
    Indication.ACNE_SCARS,
    Indication.HYPERPIGMENTATION,
    Indication.AGE_SPOTS,
    Indication.SKIN_LAXITY,
    Indication.UNEVEN_SKIN_TONE,
    Indication.ENLARGED_PORES,
]
BODY = [
    Indication.STRETCH_MARKS,
    Indication.BURN_SCARS,
    Indication.INCISIONAL_SCARS,
    Indication.ACNE_SCARS,
]

FIRST_NAMES = [
    "Maria",
    "Aisha",
    "Olivia",
    "Sofia",
    "Hannah",
    "Mei",
    "Priya",
    "Chloe",
    "Grace",
    "Fatima",
    "Emma",
    "Lucia",
    "Naomi",
    "Yuki",
    "Camila",
    "Zoe",
    "Leah",
    "Isabel",
    "Ava",
    "Nora",
    "Daniel",
    "James",
    "Marcus",
    "Wei",
    "Carlos",
    "Ethan",
    "Omar",
    "Liam",
    "Noah",
    "Kai",
]
LAST_NAMES = [
    "Rivera",
    "Nguyen",
    "Johnson",
    "Patel",
    "Kim",
    "Garcia",
    "Okafor",
    "Chen",
    "Martinez",
    "Brown",
    "Cohen",
    "Haddad",
    "Tanaka",
    "Silva",
    "O'Brien",
    "Novak",
    "Mensah",
    "Rossi",
    "Schmidt",
    "Dubois",
    "Lopez",
    "Walker",
    "Ahmed",
    "Park",
]
AREA_CODES = ["415", "510", "650", "408", "213", "310", "818", "626"]


def us_holidays(year: int) -> list[tuple[date, str]]:
    return [
        (date(year, 1, 1), "New Year's Day"),
        (date(year, 5, 31) + relativedelta(weekday=MO(-1)), "Memorial Day"),
        (date(year, 7, 4), "Independence Day"),
        (date(year, 9, 1) + relativedelta(weekday=MO(+1)), "Labor Day"),
        (date(year, 11, 1) + relativedelta(weekday=TH(4)), "Thanksgiving"),
        (date(year, 12, 25), "Christmas Day"),
    ]


def build_demo_clinic(
    *, timezone: str, now: datetime, today: date, phone_region: str, patient_count: int = 240
) -> None:
    """Adds the whole demo clinic to the session; the caller commits."""
    clinic = Clinic(
        name="Lumen Skin Studio",
        phone="+14155550100",
        address="210 Valencia Street, San Francisco, CA 94103",
        timezone=timezone,
    )
    for weekday in range(5):
        clinic.opening_hours.append(
            OpeningHours(weekday=weekday, opens_at=time(9), closes_at=time(19))
        )
    clinic.opening_hours.append(OpeningHours(weekday=5, opens_at=time(9), closes_at=time(15)))
    db.session.add(clinic)
    for year in (today.year - 1, today.year, today.year + 1):
        for on, name in us_holidays(year):
            if on >= today - timedelta(days=120):
                db.session.add(Closure(on=on, name=name))

    for login in DEMO_LOGINS:
        create_user(
            login.email,
            _demo_name(login.role),
            Role(login.role),
            login.password,
            actor=SYSTEM,
            now=now,
        )
    db.session.add_all(_providers(today, timezone))
    db.session.add_all(
        [
            Room(name="Rose room", device="SkinPen Precision"),
            Room(name="Sage room", device="Dermapen 4"),
            Room(name="Linen room", device="SkinPen Precision"),
        ]
    )
    db.session.add_all(_services())
    db.session.flush()
    registered = now - timedelta(days=DEMO_HISTORY_DAYS)  # before the visits' history
    for raw in demo_patients(today, patient_count):
        create_patient(raw, actor=SYSTEM, now=registered, today=today, phone_region=phone_region)
    db.session.flush()
    if patient_count:
        build_demo_visits(clinic, now=now, rng=random.Random(7))


def _demo_name(role: str) -> str:
    return {"admin": "Dana Whitfield", "front_desk": "Riley Chen", "clinician": "Ana Morales"}[role]


def _providers(today: date, timezone: str) -> list[Provider]:
    from zoneinfo import ZoneInfo

    from clinic.clock import combine_local

    zone = ZoneInfo(timezone)
    ana = Provider(name="Ana Morales", credential="RN, nurse aesthetician")
    for weekday in range(4):  # Monday to Thursday
        ana.working_hours.append(WorkingHours(weekday=weekday, starts_at=time(9), ends_at=time(17)))
        ana.breaks.append(
            ProviderBreak(weekday=weekday, starts_at=time(12, 30), ends_at=time(13, 15))
        )
    priya = Provider(name="Dr. Priya Shah", credential="MD, board-certified dermatologist")
    for weekday in (1, 3):  # Tuesday and Thursday, late
        priya.working_hours.append(
            WorkingHours(weekday=weekday, starts_at=time(11), ends_at=time(19))
        )
        priya.breaks.append(
            ProviderBreak(weekday=weekday, starts_at=time(14), ends_at=time(14, 30))
        )
    priya.working_hours.append(WorkingHours(weekday=5, starts_at=time(9), ends_at=time(15)))
    sam = Provider(name="Sam Okafor", credential="RN, nurse aesthetician")
    for weekday in (2, 3, 4):  # Wednesday to Friday
        sam.working_hours.append(
            WorkingHours(weekday=weekday, starts_at=time(10), ends_at=time(19))
        )
        sam.breaks.append(ProviderBreak(weekday=weekday, starts_at=time(13), ends_at=time(13, 45)))
    sam.working_hours.append(WorkingHours(weekday=5, starts_at=time(9), ends_at=time(15)))
    training = today + relativedelta(weeks=3, weekday=4)  # a Friday three weeks out
    sam.time_off.append(
        TimeOff(
            starts_at=combine_local(training, time(0), zone),
            ends_at=combine_local(training + timedelta(days=1), time(0), zone),
            reason="Training course",
        )
    )
    return [ana, priya, sam]


def _services() -> list[Service]:
    return [
        Service(
            name="Microneedling — face",
            kind=ServiceKind.MICRONEEDLING,
            procedure_minutes=30,
            numbing_minutes=45,
            buffer_minutes=15,
            provider_free_while_numbing=True,
            price_cents=35000,
            indications=[i.value for i in FACE],
            description="Full face, with topical numbing cream.",
        ),
        Service(
            name="Microneedling — face and neck",
            kind=ServiceKind.MICRONEEDLING,
            procedure_minutes=45,
            numbing_minutes=45,
            buffer_minutes=15,
            provider_free_while_numbing=True,
            price_cents=45000,
            indications=[i.value for i in FACE],
            description="Face, neck and décolletage.",
        ),
        Service(
            name="Microneedling — body (stretch marks, scars)",
            kind=ServiceKind.MICRONEEDLING,
            procedure_minutes=45,
            numbing_minutes=45,
            buffer_minutes=20,
            provider_free_while_numbing=True,
            price_cents=50000,
            indications=[i.value for i in BODY],
            description="Abdomen, thighs, arms or a scar area.",
        ),
        Service(
            name="Results check-in",
            kind=ServiceKind.RESULTS_CHECK_IN,
            procedure_minutes=15,
            numbing_minutes=0,
            buffer_minutes=5,
            provider_free_while_numbing=False,
            price_cents=0,
            indications=[],
            description="Photos and a talk about the results, 6–8 weeks after a course.",
        ),
    ]


def demo_patients(today: date, count: int = 60) -> list[PatientInput]:
    """Varied patients: ages 19 to 70, some without email or phone, two families sharing
    an email, a range of consents."""
    rng = random.Random(2026)
    patients: list[PatientInput] = []
    if count == 0:
        return patients
    for index in range(count):
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        last = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
        age = 19 + (index * 13) % 52
        born = today - relativedelta(years=age, days=rng.randint(1, 360))
        handle = f"{first}.{last}".lower().replace("'", "")
        email = f"{handle}{index}@example.com" if index % 9 != 4 else ""
        phone = f"+1{AREA_CODES[index % len(AREA_CODES)]}55501{index % 100:02d}"
        if index % 11 == 6 and email:
            phone = ""
        patients.append(
            PatientInput(
                first_name=first,
                last_name=last,
                date_of_birth=born.isoformat(),
                email=email,
                phone=phone,
                email_consent=bool(email) and index % 5 != 3,
                sms_consent=bool(phone) and index % 3 != 0,
                notes="Prefers afternoon visits." if index % 10 == 2 else "",
            )
        )
    # A mother and daughter share one family email.
    patients.append(
        PatientInput(
            "Elena",
            "Rivera",
            (today - relativedelta(years=48)).isoformat(),
            "rivera.family@example.com",
            "+14155550177",
            True,
            True,
        )
    )
    patients.append(
        PatientInput(
            "Lucia",
            "Rivera",
            (today - relativedelta(years=20)).isoformat(),
            "rivera.family@example.com",
            "+14155550178",
            True,
            False,
        )
    )
    return patients
