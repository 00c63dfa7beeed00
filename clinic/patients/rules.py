"""Pure checks of a patient's details: names, date of birth, email, phone (to E.164)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from clinic.clock import NotADate, read_typed_date


@dataclass(frozen=True)
class PatientInput:
    """What the front desk or the API typed, before checking. Dates as ISO strings."""

    first_name: str
    last_name: str
    date_of_birth: str
    email: str
    phone: str
    email_consent: bool
    sms_consent: bool
    notes: str = ""


@dataclass(frozen=True)
class PatientDetails:
    """Checked and normalised details, ready to store."""

    first_name: str
    last_name: str
    date_of_birth: date
    email: str | None
    phone: str | None
    email_consent: bool
    sms_consent: bool
    notes: str


OLDEST_AGE_YEARS = 120


def check_patient(
    raw: PatientInput, *, today: date, phone_region: str
) -> tuple[PatientDetails | None, dict[str, str]]:
    """The normalised details, or None and a sentence for each bad field."""
    problems: dict[str, str] = {}
    first = " ".join(raw.first_name.split())
    last = " ".join(raw.last_name.split())
    for field, value, which in (("first_name", first, "first"), ("last_name", last, "last")):
        if not value:
            problems[field] = f"Enter the {which} name."
        elif len(value) > 80:
            problems[field] = "Use at most 80 characters."

    born = _parse_birth_date(raw.date_of_birth, today, problems)
    email = _normalise_email(raw.email, problems)
    phone = _normalise_phone(raw.phone, phone_region, problems)

    if email is None and phone is None and "email" not in problems and "phone" not in problems:
        problems["email"] = "Enter an email or a phone number, so the clinic can reach the patient."
    if raw.email_consent and email is None and "email" not in problems:
        problems["email_consent"] = "Email consent needs an email address."
    if raw.sms_consent and phone is None and "phone" not in problems:
        problems["sms_consent"] = "SMS consent needs a phone number."
    if len(raw.notes) > 5000:
        problems["notes"] = "Use at most 5,000 characters."
    if problems or born is None:
        return None, problems
    return PatientDetails(
        first_name=first,
        last_name=last,
        date_of_birth=born,
        email=email,
        phone=phone,
        email_consent=raw.email_consent,
        sms_consent=raw.sms_consent,
        notes=raw.notes.strip(),
    ), {}


def _parse_birth_date(raw: str, today: date, problems: dict[str, str]) -> date | None:
    text = raw.strip()
    if not text:
        problems["date_of_birth"] = "Enter the date of birth."
        return None
    try:
        born = read_typed_date(text)
    except NotADate as why:
        problems["date_of_birth"] = str(why)
        return None
    if born > today:
        problems["date_of_birth"] = "The date of birth is in the future."
        return None
    if born.year < today.year - OLDEST_AGE_YEARS:
        problems["date_of_birth"] = f"The date of birth is more than {OLDEST_AGE_YEARS} years ago."
        return None
    return born


def _normalise_email(raw: str, problems: dict[str, str]) -> str | None:
    text = raw.strip()
    if not text:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        problems["email"] = f"This is not a valid email address: {error}"
        return None


def _normalise_phone(raw: str, region: str, problems: dict[str, str]) -> str | None:
    text = raw.strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        problems["phone"] = "This is not a phone number; include the area code."
        return None
    if not phonenumbers.is_valid_number(number):
        problems["phone"] = "This phone number is not valid; check the area code and digits."
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def folded(text: str) -> str:
    """A name as search compares it: lower case, accents dropped, apostrophes and dots
    dropped, hyphens read as spaces, so "nguyen" finds "Thompson-Nguyễn" and "obrien"
    finds "O'Brien". Stored names and typed queries both pass through it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"['’.]", "", plain).replace("-", " ").split())


class SearchTerms(NamedTuple):
    name: str  # folded
    email: str  # lower case, as typed
    digits: str
    born: date | None  # the query read as a date of birth


# Regions whose people write a date month first (05/01/1990 is the first of May): the
# United States and the territories that use its forms.
MONTH_FIRST_REGIONS = frozenset({"US", "PR", "GU", "VI", "AS", "MP"})


def search_terms(query: str, region: str) -> SearchTerms:
    """What a search query may match: a name ("Rivera, Elena", as lists show names, is read
    as "elena rivera"), the start of an email address, phone digits, or a date of birth:
    as the lists show it (1990-05-01), or with slashes in the clinic's `region`'s order."""
    name = query
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        name = f"{first} {last}"
    return SearchTerms(
        folded(name),
        "".join(query.lower().split()),
        re.sub(r"\D", "", query),
        _birth_date(query.strip(), region),
    )


def _birth_date(text: str, region: str) -> date | None:
    slashed = "%m/%d/%Y" if region.upper() in MONTH_FIRST_REGIONS else "%d/%m/%Y"
    for pattern in ("%Y-%m-%d", slashed):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def age_on(born: date, day: date) -> int:
    """Whole years of age on `day`; someone born on 29 February ages on 1 March."""
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def day_turning(born: date, years: int) -> date:
    """The first day on which `age_on` gives `years`: her birthday that year, or 1 March
    for a 29 February birthday in a common year."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return date(born.year + years, 2, 28) + timedelta(days=1)
