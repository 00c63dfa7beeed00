"""How stored values read on pages: phone numbers, spans of clinic time and short days.

Storage and the API keep the exact forms (E.164 phones, UTC instants); people read the
forms below. The functions are pure; `install_display` registers them as Jinja filters,
with the clinic's phone region taken from the settings once, when the app is made.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Flask, current_app

from clinic.clock import local_today, utcnow
from clinic.practice.service import clinic_zone


def readable_phone(value: str | None, region: str) -> str:
    """A stored phone number as people write it: the national form for a number of the
    clinic's country ("(415) 555-0123" for +14155550123 in the US), the grouped
    international form for any other ("+44 20 7946 0958").

    Text that is not a possible phone number is shown unchanged, never hidden."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    if number.country_code == phonenumbers.country_code_for_region(region):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_as_read(value: str | None) -> str:
    """readable_phone in the clinic's phone region (CLINIC_PHONE_REGION): the `phone` filter
    of templates, and the sentences built in Python ("Please call us on (415) 555-0100")."""
    return readable_phone(value, str(current_app.config["CLINIC_PHONE_REGION"]))


def _long_day(day: date | datetime, *, with_year: bool = True) -> str:
    return f"{day:%A} {day.day} {day:%B}" + (f" {day.year}" if with_year else "")


def readable_span(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    """A span of time (such as time off) in clinic time.

    Whole clinic-local days, from midnight to midnight, read as days, since "00:00 until
    00:00" hides which days are off: "all day, Monday 2 March 2027" or "Monday 2 March –
    Wednesday 4 March 2027 (all day)", the last day being the one before the end's
    midnight. Other spans keep their times: "Mon 2 Mar 2027, 09:00 – 13:00" within a day,
    "Mon 2 Mar 2027, 09:00 – Tue 3 Mar 2027, 17:00" across days. Midnight is taken in the
    clinic's zone, so whole days stay whole across a DST change (23 or 25 hours)."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if start.time() == end.time() == time(0) and end.date() > start.date():
        last = end.date() - timedelta(days=1)
        if last == start.date():
            return f"all day, {_long_day(start)}"
        first = _long_day(start, with_year=start.year != last.year)
        return f"{first} – {_long_day(last)} (all day)"
    if end.date() == start.date():
        return f"{start:%a} {start.day} {start:%b %Y, %H:%M} – {end:%H:%M}"
    return f"{start:%a} {start.day} {start:%b %Y, %H:%M} – {end:%a} {end.day} {end:%b %Y, %H:%M}"


def short_day(
    value: date | datetime, *, today: date, zone: ZoneInfo, with_time: bool = False
) -> str:
    """A day as the desk's lists write it, "Mon 10 May", with the year when it is not the
    year of `today` ("Mon 10 May 2027"): without it, a date a year off reads like one this
    year. An instant is taken in `zone`; `with_time` adds its time ("Mon 10 May, 09:00")."""
    moment = value.astimezone(zone) if isinstance(value, datetime) else None
    day = moment.date() if moment is not None else value
    text = f"{day:%a} {day.day} {day:%b}"
    if day.year != today.year:
        text += f" {day.year}"
    if with_time and moment is not None:
        text += f", {moment:%H:%M}"
    return text


def install_display(app: Flask) -> None:
    """The `phone` filter ({{ patient.phone|phone }}, for showing; links keep E.164), the
    `clinic_span` filter ({{ absence.starts_at|clinic_span(absence.ends_at) }}) and the
    `local_day_maybe_year` filter ({{ row.send_at|local_day_maybe_year(with_time=True) }},
    {{ day|local_day_maybe_year }}), the year shown when it is not the clinic's current one."""

    def clinic_span(starts_at: datetime, ends_at: datetime) -> str:
        return readable_span(starts_at, ends_at, clinic_zone())

    def local_day_maybe_year(value: date | datetime | None, with_time: bool = False) -> str:
        if value is None:
            return ""
        zone = clinic_zone()
        return short_day(value, today=local_today(zone, utcnow()), zone=zone, with_time=with_time)

    app.jinja_env.filters["phone"] = phone_as_read
    app.jinja_env.filters["clinic_span"] = clinic_span
    app.jinja_env.filters["local_day_maybe_year"] = local_day_maybe_year
