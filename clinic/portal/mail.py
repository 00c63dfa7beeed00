"""The sign-in link email. It goes at once, not through the outbox: she is waiting for it,
and quiet hours and reminder consent do not apply to a link she asked for (DOMAIN.md).

It is sent after the commit that records the link, on a short-lived thread, so that the
sign-in page answers as fast for a known email as for an unknown one. The thread only
talks SMTP (everything is rendered before), and logs ids, never addresses.
"""

from __future__ import annotations

import logging
import secrets
import threading

from flask import Flask, render_template

from clinic.portal.access import IssuedLink
from clinic.practice.models import Clinic
from clinic.reminders.transports import Outgoing, SendFailed
from clinic.worker import delivery_for

log = logging.getLogger(__name__)


def link_email(
    app: Flask, issued: IssuedLink, recipient: str, *, clinic: Clinic, url: str, minutes: int
) -> Outgoing:
    delivery = delivery_for(app)
    body = render_template(
        "emails/portal_sign_in.txt",
        clinic=clinic,
        names=[p.first_name for p in issued.patients],
        url=url,
        minutes=minutes,
    )
    return Outgoing(
        message_id=f"<portal-link.{secrets.token_hex(12)}@{delivery.mail_domain}>",
        recipient=recipient,
        subject=f"Your sign-in link for {clinic.name}",
        body=body,
    )


def send_now(app: Flask, outgoing: Outgoing, *, wait: bool = False) -> None:
    transport = delivery_for(app).email()

    def send() -> None:
        try:
            transport.send(outgoing)
            log.info("portal sign-in link %s sent", outgoing.message_id)
        except SendFailed as error:
            # The class only: an SMTP error may quote the address.
            cause = type(error.__cause__ or error).__name__
            log.warning("portal sign-in link %s not sent: %s", outgoing.message_id, cause)
        finally:
            transport.close()

    thread = threading.Thread(target=send, name="portal-link-mail", daemon=True)
    thread.start()
    if wait:
        thread.join()
