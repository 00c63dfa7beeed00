"""The `accounts` blueprint: staff sign-in (sign_in_views) and the admin's staff accounts
(staff_views)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__)
