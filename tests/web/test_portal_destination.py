"""A patient who opens a portal page before signing in (a reminder's link to the screening
questions, say) is brought back to that page once she has signed in, through the emailed
link; a destination that is not a portal page of ours is dropped."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic.clock import utcnow
from tests.smtp import smtp_server
from tests.web.booking_world import World, build_world
from tests.web.test_portal import link_for, wait_for_mail


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def _next_of(location: str) -> str | None:
    values = parse_qs(urlsplit(location).query).get("next")
    return values[0] if values else None


def test_the_screening_link_opens_the_screening_after_signing_in(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = client.get("/portal/screening")
    assert asked.status_code == 302
    assert urlsplit(asked.headers["Location"]).path == "/portal/sign-in"
    assert _next_of(asked.headers["Location"]) == "/portal/screening"

    form = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/portal/screening">' in form
    with smtp_server() as (inbox, port):
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "CLINIC_BASE_URL", "https://portal.test")
        sent = client.post(
            "/portal/sign-in", data={"email": "maya@example.com", "next": "/portal/screening"}
        )
        assert sent.status_code == 200
        wait_for_mail(inbox, 1)
        body = inbox.messages[-1].get_content()
    link = re.search(r"https://portal\.test(/portal/sign-in/\S+)", body)
    assert link is not None
    assert _next_of(link.group(1)) == "/portal/screening"

    landing = client.get(link.group(1)).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', landing)
    assert action is not None and _next_of(action.group(1)) == "/portal/screening"
    signed_in = client.post(link.group(1))
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/portal/screening"
    assert client.get("/portal/screening").status_code == 200


def test_a_visit_page_with_its_query_is_kept_and_home_needs_no_destination(
    client: FlaskClient, world: World
) -> None:
    asked = client.get("/portal/book/results-check-in?day=2030-01-07")
    assert _next_of(asked.headers["Location"]) == "/portal/book/results-check-in?day=2030-01-07"
    home = client.get("/portal/")
    assert home.headers["Location"] == "/portal/sign-in"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/portal/",
        "//evil.example/portal/screening",
        "/patients",
        "/portal/sign-in/abc",
        "/portal/\\evil",
        "/portal/" + "x" * 400,
        "/portal/./sign-in/someone-elses-token",  # a browser tidies the dot away
        "/portal/../patients",
        "/portal/%2e%2e/patients",
        "/portal//sign-in/abc",
        "/portal/no-such-page",
    ],
)
def test_a_destination_elsewhere_is_dropped(
    app: Flask, client: FlaskClient, world: World, target: str
) -> None:
    form = client.get("/portal/sign-in", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next"' not in form
    signed_in = client.post(link_for(app, world.maya) + "?next=" + target)
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/portal/"


def test_a_form_sent_after_the_session_ended_says_it_was_not_saved_and_comes_back(
    client: FlaskClient, world: World
) -> None:
    answer = client.post(
        "/portal/appointments/7/cancel",
        data={"reason": "I am unwell"},
        headers={"Referer": "http://localhost/portal/appointments/7/cancel"},
    )
    assert answer.status_code == 302
    assert _next_of(answer.headers["Location"]) == "/portal/appointments/7/cancel"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "What you sent was not saved: sign in, then send it again." in page

    elsewhere = client.post(
        "/portal/screening", headers={"Referer": "https://evil.example/portal/screening"}
    )
    assert elsewhere.headers["Location"] == "/portal/sign-in"
    assert client.post("/portal/screening").headers["Location"] == "/portal/sign-in"


def test_a_mistyped_portal_address_stays_in_the_portal(client: FlaskClient, world: World) -> None:
    for path, status in (
        ("/portal/nope", 404),
        ("/portal/appointments/abc", 404),
        ("/portal/sign-out", 405),  # a link to the sign-out button's address
    ):
        answer = client.get(path)
        page = answer.get_data(as_text=True)
        assert answer.status_code == status, path
        assert 'href="/portal/"' in page and "Back to your page" in page, path
        assert "/sign-in?next" not in page and 'href="/"' not in page, path
    assert "<title>Not found" in client.get("/portal/nope").get_data(as_text=True)


def test_signing_out_after_the_session_ended_just_signs_out(
    client: FlaskClient, world: World
) -> None:
    answer = client.post("/portal/sign-out", headers={"Referer": "http://localhost/portal/plan"})
    assert answer.headers["Location"] == "/portal/sign-in"
    page = client.get("/portal/sign-in").get_data(as_text=True)
    assert "You are signed out." in page and "not saved" not in page


def test_an_expired_portal_form_is_answered_in_the_portal(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    with client.session_transaction() as cookie:  # signed in, but the form's token is gone
        cookie["portal_patient_id"] = 1
        cookie["portal_seen_at"] = utcnow().timestamp()
    answer = client.post("/portal/messages", data={"email_consent": "on"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "The form expired" in page and "Back to your page" in page
    assert "Back to the start page" not in page  # the staff pages' way back


def test_sign_out_from_a_tab_open_before_she_signed_in_again_signs_her_out(
    csrf_app: Flask,
) -> None:
    """Signing in again gives the session a new form token: the old tab's "Sign out" fails
    its check, and still signs her out rather than answering "The form expired"."""
    client = csrf_app.test_client()
    with client.session_transaction() as cookie:
        cookie["portal_patient_id"] = 1
        cookie["portal_seen_at"] = utcnow().timestamp()
    answer = client.post("/portal/sign-out", data={"csrf_token": "from-the-old-tab"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/portal/sign-in"
    with client.session_transaction() as cookie:
        assert "portal_patient_id" not in cookie
    assert client.get("/portal/").status_code == 302  # signed out: the portal asks to sign in


def test_a_form_from_a_browser_without_a_session_asks_to_sign_in_not_a_bare_400(
    csrf_app: Flask,
) -> None:
    """Her cookie is gone (a new browser, a mail app's own): the CSRF check fails first, and
    is answered as a signed-out visit is."""
    client = csrf_app.test_client()
    answer = client.post(
        "/portal/appointments/7/cancel",
        data={"reason": "I am unwell"},
        headers={"Referer": "http://localhost/portal/appointments/7/cancel"},
    )
    assert answer.status_code == 302
    assert _next_of(answer.headers["Location"]) == "/portal/appointments/7/cancel"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "What you sent was not saved: sign in, then send it again." in page

    signed_out = client.post("/portal/sign-out")
    assert signed_out.headers["Location"] == "/portal/sign-in"
    assert "You are signed out." in client.get("/portal/sign-in").get_data(as_text=True)

    # An emailed link's button, pressed in a browser without the cookie: the same link's
    # page comes back (the link still works), not the page asking for a new one.
    fresh = csrf_app.test_client()
    landing = fresh.post("/portal/sign-in/some-token")
    assert landing.status_code == 302
    assert landing.headers["Location"] == "/portal/sign-in/some-token"
