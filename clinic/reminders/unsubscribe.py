"""Signed one-click unsubscribe links: the token names the patient and cannot be forged."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "clinic.unsubscribe"


def unsubscribe_token(secret: str, patient_id: int) -> str:
    return URLSafeSerializer(secret, salt=SALT).dumps(patient_id)


def patient_for_token(secret: str, token: str) -> int | None:
    try:
        value = URLSafeSerializer(secret, salt=SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None
