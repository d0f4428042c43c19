"""Account forms. Every string is NFC-normalised by CivicForm before validation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from civic.accounts.services import (
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MAX_TOKEN_NAME_LENGTH,
    MIN_PASSWORD_LENGTH,
    group_choices,
    role_choices,
)
from civic.core.forms import CivicForm, PhoneNumber, options
from civic.privacy.forms import consent_field


def _email_field():
    return EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Length(max=MAX_EMAIL_LENGTH, message=_l("This email address is too long.")),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


def _new_password_fields(label):
    password = PasswordField(
        label,
        validators=[
            DataRequired(_l("Please enter a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l("The password must have between %(min)d and %(max)d characters."),
            ),
        ],
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(_l("Please repeat the password.")), EqualTo("password", _l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class _ProfileFields(CivicForm):
    full_name = StringField(
        _l("Full name"),
        validators=[
            DataRequired(_l("Please enter your full name.")),
            Length(max=MAX_NAME_LENGTH, message=_l("The full name is too long (at most %(max)d characters).")),
        ],
        render_kw={"autocomplete": "name"},
    )
    phone = TelField(
        _l("Phone number (optional)"),
        validators=[Length(max=40, message=_l("The phone number is too long.")), PhoneNumber()],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    # The group's key ("5") or as typed ("tổ 5"); the view reads it with group_id_from_form().
    group = SelectField(_l("Residential group (tổ dân phố)"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = options([("", _l("— Not chosen —"))] + group_choices())


class RegisterForm(_ProfileFields):
    email = _email_field()
    password, confirm = _new_password_fields(_l("Password"))
    consent = consent_field()


class ProfileForm(_ProfileFields):
    pass


class LoginForm(CivicForm):
    # type=text: the HTML spec allows autocomplete="username" only there (password managers use it).
    email = StringField(
        _l("Email"),
        validators=[DataRequired(_l("Please enter your email address.")), Length(max=MAX_EMAIL_LENGTH)],
        render_kw={"autocomplete": "username", "inputmode": "email", "spellcheck": "false", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please enter your password.")), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Remember me on this device"))
    next = HiddenField()


class ForgotPasswordForm(CivicForm):
    email = _email_field()


class ResetPasswordForm(CivicForm):
    password, confirm = _new_password_fields(_l("New password"))


class ChangePasswordForm(CivicForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Please enter your current password.")), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = _new_password_fields(_l("New password"))


class TokenCreateForm(CivicForm):
    name = StringField(
        _l("What is this token for?"),
        validators=[
            DataRequired(_l("Please give the token a name.")),
            Length(max=MAX_TOKEN_NAME_LENGTH, message=_l("The name is too long (at most %(max)d characters).")),
        ],
    )


class PhoneCodeForm(CivicForm):
    code = StringField(
        _l("Code from the SMS"),
        validators=[DataRequired(_l("Please enter the 6-digit code from the SMS.")),
                    Length(max=12, message=_l("Please enter the 6-digit code from the SMS."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "maxlength": 12},
    )


class ActionForm(CivicForm):
    """A button that only needs CSRF (revoke, resend, deactivate)."""


class RoleForm(CivicForm):
    # No InputRequired: it would render required on a select whose first option is a role.
    role = SelectField(_l("Role"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = options(role_choices())


class ActiveForm(CivicForm):
    active = HiddenField(validators=[InputRequired()])
