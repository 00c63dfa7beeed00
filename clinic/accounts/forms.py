from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired

from clinic.accounts.models import Role
from clinic.web import at_most


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email."), at_most(254)])
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), at_most(200)]
    )


class StaffForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), at_most(120)])
    email = EmailField("Email", validators=[DataRequired(), at_most(254)])
    role = SelectField(
        "Role", choices=[SelectChoice(r.value, r.value.replace("_", " ")) for r in Role]
    )
    password = PasswordField("Password", validators=[DataRequired(), at_most(200)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired("Enter the new password."), at_most(200)],
        render_kw={"autocomplete": "new-password"},
    )


class AccountActiveForm(FlaskForm):
    """Disable or enable, said by the form itself: sent twice (a double click, two admins
    on one page), it asks for the same state again, never the opposite."""

    wanted = HiddenField(validators=[AnyOf(("enable", "disable"))])
