"""Forms for events and answers. Rules beyond field shape live in civic.events.services."""

from __future__ import annotations

from datetime import timedelta

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

from civic.core.forms import CivicForm, PhoneNumber, options
from civic.core.timeutil import local_to_utc, to_local, utcnow
from civic.events.models import Audience, EventCategory, EventStatus, RsvpResponse
from civic.events.services.editing import EventData
from civic.events.services.labels import category_labels
from civic.privacy.forms import consent_field

RESPONSE_CHOICES = [
    (RsvpResponse.YES.value, _l("Yes, I will come")),
    (RsvpResponse.MAYBE.value, _l("Maybe")),
    (RsvpResponse.NO.value, _l("No, I cannot come")),
]


def category_choices():
    return [(k.value, v) for k, v in category_labels().items()]


def _naive_local(moment):
    """An aware UTC time as the naive local time a datetime-local field shows."""
    return to_local(moment).replace(tzinfo=None) if moment else None


def _aware_utc(moment):
    return local_to_utc(moment) if moment else None


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
    category = SelectField(_l("Category"), choices=options([(c.value, c.value) for c in EventCategory]))
    cover = FileField(_l("Cover image"), validators=[FileAllowed(["jpg", "jpeg", "png", "webp"])])
    audience = SelectField(
        _l("Who may attend"),
        choices=options([
            (Audience.PUBLIC.value, _l("Everyone")),
            (Audience.GROUPS.value, _l("Residents of selected residential groups")),
            (Audience.INVITE_ONLY.value, _l("By invitation only")),
        ]),
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
        choices=options([(EventStatus.DRAFT.value, _l("Draft")), (EventStatus.PUBLISHED.value, _l("Published"))]),
    )

    def __init__(self, *args, groups=(), **kwargs):
        """``groups``: the residential groups offered (``services.list_groups()``)."""
        super().__init__(*args, **kwargs)
        self.category.choices = options(category_choices())
        self.groups.choices = options([(g.id, g.name) for g in groups])

    @classmethod
    def for_new(cls, groups=()):
        """A new event's form: a week from now at 08:00, for two hours."""
        start = (to_local(utcnow()) + timedelta(days=7)).replace(hour=8, minute=0, second=0, microsecond=0)
        start = start.replace(tzinfo=None)
        return cls(groups=groups, data={"starts_at": start, "ends_at": start + timedelta(hours=2)})

    @classmethod
    def for_event(cls, event, groups=()):
        """The form filled with what ``event`` holds (a cancelled event shows as published)."""
        return cls(groups=groups, data={
            "title": event.title,
            "description": event.description_source or "",
            "starts_at": _naive_local(event.starts_at),
            "ends_at": _naive_local(event.ends_at),
            "venue_name": event.venue_name,
            "venue_address": event.venue_address,
            "map_url": event.map_url,
            "category": event.category,
            "audience": event.audience,
            "groups": [g.id for g in event.groups],
            "capacity": event.capacity,
            "rsvp_deadline": _naive_local(event.rsvp_deadline),
            "allow_guests": event.allow_guests,
            "max_guests": event.max_guests,
            "questions": "\n".join(event.questions or []),
            "reminder_hours": event.reminder_minutes_before // 60 if event.reminder_minutes_before else None,
            "status": event.status if event.status != EventStatus.CANCELLED else EventStatus.PUBLISHED.value,
        })

    def cover_upload(self):
        """The uploaded cover file, or None when none was chosen."""
        data = self.cover.data
        return data if data and getattr(data, "filename", "") else None

    def to_data(self, cover_image: str | None = None) -> EventData:
        """What the form says, for services.create_event / update_event (which validate it)."""
        return EventData(
            title=self.title.data or "",
            description=self.description.data or "",
            starts_at=_aware_utc(self.starts_at.data),
            ends_at=_aware_utc(self.ends_at.data),
            venue_name=self.venue_name.data or "",
            venue_address=self.venue_address.data or "",
            map_url=self.map_url.data or None,
            category=self.category.data,
            audience=self.audience.data,
            group_ids=list(self.groups.data or []),
            capacity=self.capacity.data,
            rsvp_deadline=_aware_utc(self.rsvp_deadline.data),
            allow_guests=bool(self.allow_guests.data),
            max_guests=self.max_guests.data or 0,
            questions=(self.questions.data or "").splitlines(),
            reminder_minutes_before=self.reminder_hours.data * 60 if self.reminder_hours.data else None,
            status=self.status.data,
            cover_image=cover_image,
        )


class RsvpForm(CivicForm):
    """Answer form; name and contact are only asked of people who are not signed in."""

    response = RadioField(_l("Your answer"), choices=options(RESPONSE_CHOICES), validators=[DataRequired()])
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
