"""Imports every model module, so that metadata (and Alembic) sees every table."""

from clinic.accounts.models import ApiToken, SignInFailure, User
from clinic.audit.models import AuditEntry
from clinic.patients.models import Patient
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

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Clinic",
    "Closure",
    "OpeningHours",
    "Patient",
    "Provider",
    "ProviderBreak",
    "Room",
    "Service",
    "SignInFailure",
    "TimeOff",
    "User",
    "WorkingHours",
]
