"""Forms for composing a campaign and unsubscribing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from civic.core.forms import CivicForm, options


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ComposeForm(CivicForm):
    audience = SelectField(_l("Send to"), validators=[DataRequired(message=_l("Choose who receives the message."))])
    channels = MultiCheckboxField(
        _l("Channels"), choices=options([("email", _l("Email")), ("sms", _l("SMS"))]), default=["email"],
        validators=[DataRequired(message=_l("Choose email and/or SMS."))],
    )
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body_text = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10_000)])
    sms_text = TextAreaField(_l("SMS text"), validators=[Optional(), Length(max=400)])
    send_at = DateTimeLocalField(_l("Send at (leave empty to send now)"), format="%Y-%m-%dT%H:%M",
                                 validators=[Optional()])
    urgent = BooleanField(_l("Urgent (SMS also during quiet hours 21:00–07:00)"))


class UnsubscribeForm(CivicForm):
    class Meta:
        csrf = False  # reached from a mail client; the signed token is the credential

    all_topics = BooleanField(_l("Stop every kind of message from the ward portal on this channel"))
