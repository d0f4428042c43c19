"""Forms for elections, milestones, polling areas and subscriptions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
    URLField,
    widgets,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from civic.core.forms import CivicForm, PhoneNumber
from civic.elections.models import Body, MilestoneKind
from civic.elections.services import BODY_LABELS, MILESTONE_LABELS
from civic.privacy.forms import consent_field


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ElectionForm(CivicForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=250)])
    polling_day = DateField(_l("Polling day"), validators=[InputRequired()])
    polls_open = TimeField(_l("Polls open"), validators=[InputRequired()], default=None)
    polls_close = TimeField(_l("Polls close"), validators=[InputRequired()], default=None)
    bodies = MultiCheckboxField(
        _l("Bodies elected"), choices=[(b.value, BODY_LABELS[b]) for b in Body], validate_choice=True
    )
    what_to_bring = TextAreaField(_l("What to bring"), validators=[Length(max=2000)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    use_template = BooleanField(_l("Fill the milestones from the 2021 election calendar"))


class ReminderTemplateForm(CivicForm):
    reminder_subject = StringField(_l("Email subject"), validators=[DataRequired(), Length(max=250)])
    reminder_body = TextAreaField(_l("Email text"), validators=[DataRequired(), Length(max=5000)])
    reminder_sms = TextAreaField(_l("SMS text"), validators=[DataRequired(), Length(max=480)])


class MilestoneForm(CivicForm):
    kind = SelectField(
        _l("Type"), choices=[(k.value, MILESTONE_LABELS[k]) for k in MilestoneKind], validators=[DataRequired()],
        render_kw={"required": False},  # a choice is always selected; HTML forbids required without a placeholder
    )
    day = DateField(_l("Date"), validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    text = TextAreaField(_l("Text for residents"), validators=[Length(max=1000)])


class PollingAreaForm(CivicForm):
    number = IntegerField(_l("Polling area number"), validators=[InputRequired(), NumberRange(min=1, max=10_000)])
    station_name = StringField(_l("Polling station"), validators=[DataRequired(), Length(max=200)])
    station_address = StringField(_l("Street address"), validators=[DataRequired(), Length(max=300)])
    map_url = URLField(_l("Map link"), validators=[Optional(), URL(), Length(max=500)])
    group_ids = MultiCheckboxField(_l("Residential groups covered"), coerce=int, validate_choice=True)


class WhereToVoteForm(CivicForm):
    class Meta:
        csrf = False  # a GET search form

    # validate_choice off: "tổ 5", "TDP 05" typed into a link or the API are resolved by the service.
    group = SelectField(_l("Your residential group (tổ dân phố)"), validators=[DataRequired()], validate_choice=False)


class SubscribeForm(CivicForm):
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    phone = TelField(_l("Phone (for SMS)"), validators=[PhoneNumber()])
    # validate_choice off: "tổ 5", "TDP 05" typed into a link or the API are resolved by the service.
    group = SelectField(_l("Your residential group (tổ dân phố)"), validators=[DataRequired()], validate_choice=False)
    channels = MultiCheckboxField(
        _l("Send me reminders by"), choices=[("email", _l("By email")), ("sms", _l("By SMS"))], validate_choice=True
    )
    consent = consent_field()


class SmsCodeForm(CivicForm):
    code = StringField(_l("6-digit code"), validators=[DataRequired(), Length(min=6, max=12)])


class ConfirmForm(CivicForm):
    """Just the CSRF token: confirming needs a click, so link scanners do not confirm."""


class DeleteForm(CivicForm):
    pass


class TestSendForm(CivicForm):
    pass
