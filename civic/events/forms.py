"""Forms for events and answers. Rules beyond field shape live in civic.events.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from civic.core.forms import CivicForm, PhoneNumber
from civic.events.models import Audience, EventCategory, EventStatus, RsvpResponse
from civic.privacy.forms import consent_field

RESPONSE_CHOICES = [
    (RsvpResponse.YES.value, _l("Yes, I will come")),
    (RsvpResponse.MAYBE.value, _l("Maybe")),
    (RsvpResponse.NO.value, _l("No, I cannot come")),
]


def category_choices():
    from civic.events.services import category_labels

    return [(k.value, v) for k, v in category_labels().items()]


class EventForm(CivicForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=20_000)], render_kw={"rows": 8}
    )
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    venue_name = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)])
    venue_address = StringField(_l("Street address"), validators=[Optional(), Length(max=300)])
    map_url = StringField(_l("Map link"), validators=[Optional(), URL(), Length(max=500)])
    category = SelectField(_l("Category"), choices=[(c.value, c.value) for c in EventCategory])
    cover = FileField(_l("Cover image"), validators=[FileAllowed(["jpg", "jpeg", "png", "webp"])])
    audience = SelectField(
        _l("Who may attend"),
        choices=[
            (Audience.PUBLIC.value, _l("Everyone")),
            (Audience.GROUPS.value, _l("Residents of selected residential groups")),
            (Audience.INVITE_ONLY.value, _l("By invitation only")),
        ],
    )
    groups = SelectMultipleField(_l("Residential groups"), coerce=int, choices=[], validate_choice=True)
    capacity = IntegerField(
        _l("Capacity (people, guests included)"), validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
    rsvp_deadline = DateTimeLocalField(_l("Answer deadline"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    allow_guests = BooleanField(_l("Guests may come along"))
    max_guests = IntegerField(_l("Guests per answer at most"), default=0, validators=[Optional(), NumberRange(min=0, max=20)])
    questions = TextAreaField(
        _l("Questions to ask (one per line, at most 5)"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 3}
    )
    reminder_hours = IntegerField(
        _l("Reminder, hours before (empty: the day before at 08:00)"),
        validators=[Optional(), NumberRange(min=1, max=336)],
    )
    status = SelectField(
        _l("Status"),
        choices=[(EventStatus.DRAFT.value, _l("Draft")), (EventStatus.PUBLISHED.value, _l("Published"))],
    )


class RsvpForm(CivicForm):
    """Answer form; name and contact are only asked of people who are not signed in."""

    response = RadioField(_l("Your answer"), choices=RESPONSE_CHOICES, validators=[DataRequired()])
    guests = IntegerField(_l("People coming with you"), default=0, validators=[Optional(), NumberRange(min=0)])
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone number"), validators=[Optional(), PhoneNumber()], render_kw={"inputmode": "tel", "autocomplete": "tel"})
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254), Email()], render_kw={"autocomplete": "email"})
    # The group's key ("5"), or as typed ("tổ 5"): read by accounts.resolve_group in the view.
    group = SelectField(_l("Residential group"), coerce=str, choices=[], validate_choice=False, validators=[Optional()])
    answer_1 = StringField(validators=[Optional(), Length(max=300)])
    answer_2 = StringField(validators=[Optional(), Length(max=300)])
    answer_3 = StringField(validators=[Optional(), Length(max=300)])
    answer_4 = StringField(validators=[Optional(), Length(max=300)])
    answer_5 = StringField(validators=[Optional(), Length(max=300)])
    consent = consent_field()


class LinkRequestForm(CivicForm):
    """"I lost my personal link": the phone or email the answer was given with."""

    phone = StringField(_l("Phone number"), validators=[Optional(), PhoneNumber()],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)], render_kw={"autocomplete": "email"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "link")  # beside the answer form's own phone and email fields
        super().__init__(*args, **kwargs)


class CancelRsvpForm(CivicForm):
    pass


class CancelEventForm(CivicForm):
    reason = TextAreaField(_l("Reason (sent to those who answered)"), validators=[Optional(), Length(max=500)])


class MessageForm(CivicForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 6})
