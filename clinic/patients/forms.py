from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class PatientForm(FlaskForm):
    """Shape only; the service checks the details (phone, email, dates) and names problems."""

    first_name = StringField(
        "First name", validators=[DataRequired("Enter a name."), Length(max=80)]
    )
    last_name = StringField("Last name", validators=[DataRequired("Enter a name."), Length(max=80)])
    date_of_birth = DateField(
        "Date of birth", validators=[DataRequired("Enter the date of birth as YYYY-MM-DD.")]
    )
    email = EmailField("Email", validators=[Optional(), Length(max=254)])
    phone = TelField("Mobile phone", validators=[Optional(), Length(max=30)])
    email_consent = BooleanField("Agrees to reminders by email")
    sms_consent = BooleanField("Agrees to reminders by text message")
    notes = TextAreaField("Notes for staff", validators=[Optional(), Length(max=5000)])
