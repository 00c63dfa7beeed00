"""Imports every model module, so that metadata (and Alembic) sees every table."""

from clinic.accounts.models import ApiToken, SignInFailure, User
from clinic.audit.models import AuditEntry
from clinic.patients.models import Patient
from clinic.plans.models import Plan, PlannedSession, PlanOutcome
from clinic.portal.models import CalendarFeed, PortalLink, PortalLinkRequest
from clinic.practice.models import (
    Clinic,
    Closure,
    OpeningHours,
    Provider,
    ProviderBreak,
    Room,
    Service,
    TimeOff,
    WorkingHours,
)
from clinic.reminders.models import Message
from clinic.scheduling.models import Appointment, AppointmentEvent, BookingLock, Screening

__all__ = [
    "ApiToken",
    "Appointment",
    "AppointmentEvent",
    "AuditEntry",
    "BookingLock",
    "CalendarFeed",
    "Clinic",
    "Closure",
    "Message",
    "OpeningHours",
    "Patient",
    "Plan",
    "PlanOutcome",
    "PlannedSession",
    "PortalLink",
    "PortalLinkRequest",
    "Provider",
    "ProviderBreak",
    "Room",
    "Screening",
    "Service",
    "SignInFailure",
    "TimeOff",
    "User",
    "WorkingHours",
]
