"""Forms of the directory and invitation pages (CivicForm: CSRF + NFC)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from civic.core.forms import CivicForm, PhoneNumber, options
from civic.invitations.models import AnswerChannel, InvitationRole, InvitationStatus, LegalBasis
from civic.privacy.forms import consent_field


class ActionForm(CivicForm):
    """CSRF only: for buttons that post."""


class ContactForm(CivicForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=200)])
    residential_group = StringField(_l("Residential group"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[PhoneNumber()])
    email = StringField(_l("Email"), validators=[Optional(), Email(message=_l("This email address is not valid.")),
                                                 Length(max=254)])
    groups = SelectMultipleField(_l("Groups"), coerce=int, validate_choice=True)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    legal_basis = SelectField(_l("Legal basis for holding this data"), default=LegalBasis.PUBLIC_DUTY.value,
                              validate_choice=True)


class GroupForm(CivicForm):
    name = StringField(_l("Group name"), validators=[DataRequired(), Length(max=160)])
    post_title = StringField(_l("Holders of the post (optional)"), validators=[Optional(), Length(max=160)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=300)])


class PostForm(CivicForm):
    title = StringField(_l("Post"), validators=[DataRequired(), Length(max=160)])
    residential_group = SelectField(_l("Residential group"), coerce=int)
    contact = SelectField(_l("Held by"), coerce=int)
    started_on = DateField(_l("Since"), validators=[Optional()])


def _id_or_blank(value):
    """A select's id, or "" for its "— Choose —" line (which a required field then refuses)."""
    return "" if value in ("", None) else int(value)


class HandOverForm(CivicForm):
    # No one is chosen until the organizer picks: a select opening on the first contact handed
    # posts to the wrong person on one careless click.
    contact = SelectField(_l("New holder"), coerce=_id_or_blank,
                          validators=[DataRequired(message=_l("Choose who takes over the post."))])
    started_on = DateField(_l("Hand-over date"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class UploadForm(CivicForm):
    file = FileField(_l("Excel (.xlsx, .xls, .xlsb), LibreOffice (.ods) or CSV file"),
                     validators=[FileRequired(_l("Choose a file to import."))])


def _int_or_zero(value) -> int:
    """Coerce for id fields: junk becomes 0 (no such row), which the service refuses in Vietnamese."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class ImportConfirmForm(CivicForm):
    """Write the import; optionally put everyone in the file in one group (chosen or new)."""

    group_id = SelectField(_l("Put everyone in this file into a group"), coerce=_int_or_zero, default=0,
                           validate_choice=False)
    new_group = StringField(_l("Or a new group named"), validators=[Optional(), Length(max=160)])
    legal_basis = SelectField(_l("Legal basis for holding this data"), default=LegalBasis.PUBLIC_DUTY.value,
                              validate_choice=True)


class BulkGroupForm(CivicForm):
    """The directory's ticked contacts into or out of a group (checkboxes rendered in the table)."""

    contact_ids = SelectMultipleField(coerce=_int_or_zero, validate_choice=False)
    all_shown = BooleanField(_l("All the contacts in this list"))
    group_id = SelectField(_l("Group"), coerce=_int_or_zero, default=0, validate_choice=False)
    new_group = StringField(_l("Or a new group named"), validators=[Optional(), Length(max=160)])
    action = HiddenField()
    q = HiddenField()
    nhom = HiddenField()


class AddInviteesForm(CivicForm):
    groups = SelectMultipleField(_l("Groups"), coerce=int)
    posts = SelectMultipleField(_l("Posts"), coerce=int)
    contacts = SelectMultipleField(_l("Individuals"), coerce=int)
    # The plain invitee unless the organizer picks chair or guest on purpose.
    role = SelectField(_l("Role at the meeting"), default=InvitationRole.DELEGATE.value)


def response_choices():
    return [(InvitationStatus.ATTEND.value, _l("I will attend")), (InvitationStatus.DECLINE.value, _l("I cannot attend")),
            (InvitationStatus.SUBSTITUTE.value, _l("I will send someone in my place"))]


class RespondForm(CivicForm):
    response = RadioField(_l("Your reply"), choices=options(response_choices()), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (if you cannot attend)"), validators=[Optional(), Length(max=1000)])
    substitute_name = StringField(_l("Name of the person attending instead"), validators=[Optional(), Length(max=160)])
    substitute_position = StringField(_l("Their position"), validators=[Optional(), Length(max=200)])
    substitute_phone = StringField(_l("Their phone (so we can tell them of any change)"), validators=[PhoneNumber()])
    responder_name = StringField(_l("Your name, if you are not the person invited"),
                                 validators=[Optional(), Length(max=160)])
    consent = consent_field()


class RecordAnswerForm(CivicForm):
    invitation_id = HiddenField(validators=[DataRequired()])
    response = SelectField(_l("Answer"), choices=options(response_choices()))
    via = SelectField(_l("Received by"), choices=options([(AnswerChannel.PHONE.value, _l("Phone")),
                                                  (AnswerChannel.PAPER.value, _l("Paper"))]))
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=1000)])
    substitute_name = StringField(_l("Substitute"), validators=[Optional(), Length(max=160)])
    substitute_position = StringField(_l("Substitute's position"), validators=[Optional(), Length(max=200)])
    consent = consent_field(_l("The person agreed to the personal data notice (by phone or by signing on paper)"))


class WalkInForm(CivicForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=200)])


class LetterForm(CivicForm):
    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=40)])
    issued_on = DateField(_l("Date of issue"), validators=[Optional()])
    participants = TextAreaField(_l("Participants"), validators=[Optional(), Length(max=4000)])
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=4000)])
    contact_person = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    signer_title = TextAreaField(_l("Signer's title"), validators=[Optional(), Length(max=120)])
    signer_name = StringField(_l("Signer's name"), validators=[Optional(), Length(max=120)])
