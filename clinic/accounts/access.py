"""Who may do what: role checks for staff pages, and the acting user of a request."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g
from flask_login import current_user

from clinic.accounts.models import Role, User
from clinic.audit.service import Actor
from clinic.errors import Forbidden

F = TypeVar("F", bound=Callable[..., Any])

ALL_STAFF = (Role.ADMIN, Role.FRONT_DESK, Role.CLINICIAN)
CLINICAL = (Role.ADMIN, Role.CLINICIAN)
ADMIN_ONLY = (Role.ADMIN,)


def acting_user() -> User | None:
    """The staff user of this request: the API token's, else the signed-in session's."""
    api_user = g.get("api_user")
    if api_user is not None:
        return cast(User, api_user)
    if current_user.is_authenticated:
        return cast(User, current_user._get_current_object())  # type: ignore[attr-defined]
    return None


def actor() -> Actor:
    user = acting_user()
    if user is None:
        return Actor(label="anonymous")
    return Actor(label=f"{user.name} ({user.role.label})", user_id=user.id)


def require_role(*roles: Role) -> Callable[[F], F]:
    """Refuse (403) a signed-in user whose role is not among `roles`.

    Signing in itself is enforced for every staff page by the blueprints' before_request.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = acting_user()
            if user is None or user.role not in roles:
                raise Forbidden("Your role may not do this.")
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def may(role_set: tuple[Role, ...]) -> bool:
    """For templates: whether the acting user holds one of these roles."""
    user = acting_user()
    return user is not None and user.role in role_set
