"""Forms for elections, milestones, polling areas and subscriptions.

Lengths, dates and links are checked by the services (the API shares them); the forms show
the lengths as ``maxlength``.

Each form fills its own choices, fills itself from the object it edits (``for_*``) and
reads itself back as the service's input (``to_data()``): views only validate and call.
"""

from __future__ import annotations

from datetime import time

from flask_babel import gettext as _
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
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from civic.accounts.services import group_choices, group_key, list_groups
from civic.core.forms import CivicForm, PhoneNumber, options
from civic.elections.labels import BODY_LABELS, CHANNEL_LABELS, MILESTONE_LABELS
from civic.elections.models import Body, Channel, Election, Milestone, MilestoneKind, PollingArea
from civic.elections.services import common as limits
from civic.elections.services.defaults import what_to_bring
from civic.privacy.forms import consent_field


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _group_select_choices() -> list[tuple[str, str]]:
    # Values are group keys (the number, "5"), which resolve_group reads as the group numbered 5.
    return [("", _("Choose…"))] + group_choices()


def profile_group_key(user) -> str | None:
    """The signed-in resident's tổ dân phố as the group selects send it, or None."""
    group = getattr(user, "residential_group", None) if getattr(user, "is_authenticated", False) else None
    return group_key(group) if group is not None else None


class ElectionForm(CivicForm):
    name = StringField(_l("Name"), validators=[DataRequired()], render_kw={"maxlength": limits.NAME_MAX})
    polling_day = DateField(_l("Polling day"), validators=[InputRequired()])
    polls_open = TimeField(_l("Polls open"), validators=[InputRequired()], default=None)
    polls_close = TimeField(_l("Polls close"), validators=[InputRequired()], default=None)
    bodies = MultiCheckboxField(
        _l("Bodies elected"), choices=options([(b.value, BODY_LABELS[b]) for b in Body]), validate_choice=True
    )
    what_to_bring = TextAreaField(_l("What to bring"), render_kw={"maxlength": limits.WHAT_TO_BRING_MAX})
    description = TextAreaField(_l("Description"), render_kw={"maxlength": limits.DESCRIPTION_MAX})
    use_template = BooleanField(_l("Fill the milestones from the 2021 election calendar"))

    FIELDS = ("name", "polling_day", "polls_open", "polls_close", "bodies", "what_to_bring", "description")

    @classmethod
    def for_new(cls) -> ElectionForm:
        """A new election: 07:00–19:00 (Law 85/2015 art. 71), the 2021 calendar, the usual papers."""
        form = cls()
        if not form.is_submitted():
            form.polls_open.data, form.polls_close.data = time(7, 0), time(19, 0)
            form.use_template.data = True
            form.what_to_bring.data = what_to_bring()
        return form

    @classmethod
    def for_election(cls, election: Election) -> ElectionForm:
        form = cls(obj=election)
        del form.use_template  # only a new election takes the calendar from the form
        return form

    def to_data(self) -> dict:
        return {name: self[name].data for name in self.FIELDS}


class ReminderTemplateForm(CivicForm):
    reminder_subject = StringField(_l("Email subject"), validators=[DataRequired()],
                                   render_kw={"maxlength": limits.REMINDER_SUBJECT_MAX})
    reminder_body = TextAreaField(_l("Email text"), validators=[DataRequired()],
                                  render_kw={"maxlength": limits.REMINDER_BODY_MAX})
    reminder_sms = TextAreaField(_l("SMS text"), validators=[DataRequired()],
                                 render_kw={"maxlength": limits.REMINDER_SMS_MAX})

    @classmethod
    def for_election(cls, election: Election) -> ReminderTemplateForm:
        return cls(obj=election)

    def to_data(self) -> dict:
        return {name: self[name].data for name in ("reminder_subject", "reminder_body", "reminder_sms")}


class MilestoneForm(CivicForm):
    kind = SelectField(
        _l("Type"), choices=options([(k.value, MILESTONE_LABELS[k]) for k in MilestoneKind]), validators=[DataRequired()],
        render_kw={"required": False},  # a choice is always selected; HTML forbids required without a placeholder
    )
    day = DateField(_l("Date"), validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[Optional()], render_kw={"maxlength": limits.MILESTONE_TITLE_MAX})
    text = TextAreaField(_l("Text for residents"), render_kw={"maxlength": limits.MILESTONE_TEXT_MAX})

    @classmethod
    def for_milestone(cls, milestone: Milestone | None) -> MilestoneForm:
        return cls(obj=milestone)

    def to_data(self) -> dict:
        return {name: self[name].data for name in ("kind", "day", "title", "text")}


class PollingAreaForm(CivicForm):
    number = IntegerField(_l("Polling area number"), validators=[InputRequired(), NumberRange(min=1, max=10_000)])
    station_name = StringField(_l("Polling station"), validators=[DataRequired()],
                               render_kw={"maxlength": limits.STATION_NAME_MAX})
    station_address = StringField(_l("Street address"), validators=[DataRequired()],
                                  render_kw={"maxlength": limits.STATION_ADDRESS_MAX})
    map_url = URLField(_l("Map link"), validators=[Optional()], render_kw={"maxlength": limits.MAP_URL_MAX})
    group_ids = MultiCheckboxField(_l("Residential groups covered"), coerce=int, validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_ids.choices = options([(g.id, g.name) for g in list_groups()])

    @classmethod
    def for_area(cls, area: PollingArea | None) -> PollingAreaForm:
        if area is None:
            return cls()
        return cls(obj=area, group_ids=[link.group_id for link in area.links])

    def to_data(self) -> dict:
        return {name: self[name].data for name in ("number", "station_name", "station_address", "map_url", "group_ids")}


class WhereToVoteForm(CivicForm):
    class Meta:
        csrf = False  # a GET search form

    # validate_choice off: "tổ 5", "TDP 05" typed into a link or the API are resolved by the service.
    group = SelectField(_l("Your residential group (tổ dân phố)"), validators=[DataRequired()], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = options(_group_select_choices())

    @classmethod
    def for_visitor(cls, args, user) -> WhereToVoteForm:
        """The search as asked (``args``), else the signed-in resident's own tổ dân phố."""
        form = cls(args, meta={"csrf": False})
        if not (form.group.data or "").strip():
            form.group.data = profile_group_key(user) or ""
        return form

    def typed_group(self) -> str:
        return (self.group.data or "").strip()


class SubscribeForm(CivicForm):
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    phone = TelField(_l("Phone (for SMS)"), validators=[PhoneNumber()])
    # validate_choice off: "tổ 5", "TDP 05" typed into a link or the API are resolved by the service.
    group = SelectField(_l("Your residential group (tổ dân phố)"), validators=[DataRequired()], validate_choice=False)
    channels = MultiCheckboxField(
        _l("Send me reminders by"), choices=options([(c.value, CHANNEL_LABELS[c]) for c in Channel]), validate_choice=True
    )
    consent = consent_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = options(_group_select_choices())

    @classmethod
    def for_user(cls, user, existing=None) -> SubscribeForm:
        """A signed-in resident's form starts from their profile and their current channels."""
        form = cls()
        if form.is_submitted() or not getattr(user, "is_authenticated", False):
            return form
        form.name.data = user.full_name
        form.email.data = user.email
        form.phone.data = user.phone or ""
        if user.residential_group_id:
            form.group.data = profile_group_key(user)
        form.channels.data = existing.channels if existing else [Channel.EMAIL.value]
        return form

    def to_data(self) -> dict:
        return {name: self[name].data for name in ("email", "phone", "group", "channels", "name")}


class SmsCodeForm(CivicForm):
    code = StringField(_l("6-digit code"), validators=[DataRequired(), Length(min=6, max=12)])


class ConfirmForm(CivicForm):
    """Just the CSRF token: confirming needs a click, so link scanners do not confirm."""


class DeleteForm(CivicForm):
    pass


class TestSendForm(CivicForm):
    pass
