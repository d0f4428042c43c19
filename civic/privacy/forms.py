"""The consent box every form that collects personal data carries, and the rights' forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from civic.core.forms import CivicForm


def consent_field(label=None) -> BooleanField:
    """Unticked; no validator on purpose: the service refuses a missing consent (422, nothing stored)."""
    return BooleanField(label or _l("I agree that my data is used for this, as the personal data notice says."),
                        default=False)


class StartForm(CivicForm):
    address = StringField(_l("Your phone number or e-mail"), validators=[DataRequired(), Length(max=254)],
                          render_kw={"autocomplete": "on", "spellcheck": "false", "autocapitalize": "none"})


class CodeForm(CivicForm):
    code = StringField(_l("The 6-digit code"), validators=[DataRequired(), Length(max=12)],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"})


class CorrectForm(CivicForm):
    name = StringField(_l("Your name as it should be"), validators=[DataRequired(), Length(max=120)])


class WithdrawForm(CivicForm):
    pass


class EraseForm(CivicForm):
    confirm = BooleanField(_l("Yes, erase my personal data. I understand this cannot be undone."))


class AskForm(CivicForm):
    text = TextAreaField(_l("What are you asking for?"), validators=[DataRequired(), Length(max=4000)],
                         render_kw={"rows": 4})


class NoticeForm(CivicForm):
    body = TextAreaField(_l("Text of the notice"), validators=[DataRequired(), Length(max=50000)],
                         render_kw={"rows": 24})


class CloseRequestForm(CivicForm):
    note = TextAreaField(_l("What was done (sent to the person)"), validators=[Optional(), Length(max=2000)],
                         render_kw={"rows": 3})
