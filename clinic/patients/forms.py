from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, TelField, TextAreaField
from wtforms.validators import Length


class PatientForm(FlaskForm):
    """Shape only (lengths). The service checks every detail and names every problem at
    once, so the front desk fixes a form in one pass instead of one error per submit."""

    first_name = StringField("First name", validators=[Length(max=80)])
    last_name = StringField("Last name", validators=[Length(max=80)])
    date_of_birth = StringField(
        "Date of birth", validators=[Length(max=10)], render_kw={"type": "date"}
    )
    email = EmailField("Email", validators=[Length(max=254)])
    phone = TelField("Mobile phone", validators=[Length(max=30)])
    email_consent = BooleanField("Agrees to reminders by email")
    sms_consent = BooleanField("Agrees to reminders by text message")
    notes = TextAreaField("Notes for staff", validators=[Length(max=5000)])
    # Shown once the details match a registered patient: staff confirm a different person.
    not_a_duplicate = BooleanField("This is a different person: register anyway")
