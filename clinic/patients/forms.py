from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, TelField, TextAreaField

from clinic.web import at_most


class PatientForm(FlaskForm):
    """Shape only (lengths). The service checks every detail and names every problem at
    once, so the front desk fixes a form in one pass instead of one error per submit."""

    first_name = StringField("First name", validators=[at_most(80)])
    last_name = StringField("Last name", validators=[at_most(80)])
    date_of_birth = StringField(
        "Date of birth", validators=[at_most(10)], render_kw={"type": "date"}
    )
    email = EmailField("Email", validators=[at_most(254)])
    phone = TelField("Mobile phone", validators=[at_most(30)])
    email_consent = BooleanField("Agrees to reminders by email")
    sms_consent = BooleanField("Agrees to reminders by text message")
    notes = TextAreaField("Notes for staff", validators=[at_most(5000)])
    # Shown once the details match a registered patient: staff confirm a different person.
    not_a_duplicate = BooleanField("This is a different person: register anyway")
