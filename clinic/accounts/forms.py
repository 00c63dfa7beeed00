from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length

from clinic.accounts.models import Role


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=200)]
    )


class StaffForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    role = SelectField(
        "Role", choices=[SelectChoice(r.value, r.value.replace("_", " ")) for r in Role]
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired("Enter the new password."), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )


class AccountActiveForm(FlaskForm):
    """Disable or enable, said by the form itself: sent twice (a double click, two admins
    on one page), it asks for the same state again, never the opposite."""

    wanted = HiddenField(validators=[AnyOf(("enable", "disable"))])
