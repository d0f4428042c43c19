"""Forms of the leaders' schedules (CivicForm: CSRF + NFC). Rules beyond field shape live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from civic.core.forms import CivicForm, options


class ActionForm(CivicForm):
    """CSRF and the week's version: for buttons that post."""

    version = HiddenField()


class ItemForm(CivicForm):
    version = HiddenField()
    day = DateField(_l("Day"), validators=[DataRequired()])
    start = TimeField(_l("Start time"), validators=[DataRequired()])
    end = TimeField(_l("End time (optional)"), validators=[Optional()])
    content = TextAreaField(_l("Content"), validators=[DataRequired(), Length(max=2000)])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    preparing_unit = StringField(_l("Preparing unit"), validators=[Optional(), Length(max=200)])
    chairs = SelectMultipleField(_l("Chaired by (posts)"), coerce=int, validate_choice=False)
    posts = SelectMultipleField(_l("Participants: posts"), coerce=int, validate_choice=False)
    groups = SelectMultipleField(_l("Participants: invitation groups"), coerce=int, validate_choice=False)
    contacts = SelectMultipleField(_l("Participants: people from the directory"), coerce=int, validate_choice=False)
    units = TextAreaField(_l("Participants: units (one per line)"), validators=[Optional(), Length(max=2000)])
    participants_note = TextAreaField(_l("Other participants (outside bodies, named people)"),
                                      validators=[Optional(), Length(max=2000)])
    participants_legal_basis = SelectField(_l("Legal basis for naming people from outside the directory"),
                                           default="public_duty", choices=[], validate_choice=False)
    separate_letter = BooleanField(_l("Invitations sent separately (giấy mời riêng)"))
    is_public = BooleanField(_l("Shown on the portal"), default=True)


class ParticipantsForm(CivicForm):
    """Add participants to an item already on the schedule (just they are invited)."""

    # Own ids (same names): the item page shows this form beside the item's own form, and two
    # id="posts" would point each label at the other form's select.
    version = HiddenField(id="adding-version")
    posts = SelectMultipleField(_l("Participants: posts"), coerce=int, validate_choice=False, id="adding-posts")
    groups = SelectMultipleField(_l("Participants: invitation groups"), coerce=int, validate_choice=False,
                                 id="adding-groups")
    contacts = SelectMultipleField(_l("Participants: people from the directory"), coerce=int, validate_choice=False,
                                   id="adding-contacts")


class CancelForm(CivicForm):
    version = HiddenField(id="cancel-version")
    reason = StringField(_l("Reason for cancelling"), validators=[DataRequired(), Length(max=500)])


class PublishForm(CivicForm):
    version = HiddenField()
    replaces_letters = BooleanField(_l("This schedule stands in for the meeting invitation"), default=True)


# --- Citizen reception (lịch tiếp công dân) ---


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReceptionRuleForm(CivicForm):
    post_id = SelectField(_l("Leader (post in the directory)"), choices=[], validate_choice=False,
                          validators=[DataRequired()])
    weekdays = _Checkboxes(_l("Weekdays"), coerce=int, choices=[], validators=[DataRequired()])
    starts_at = TimeField(_l("From"), validators=[DataRequired()])
    ends_at = TimeField(_l("Until"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=300)])
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_until = DateField(_l("Valid until (optional)"), validators=[Optional()])
    holiday_policy = SelectField(_l("When the day is a holiday"), choices=[])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class ReceptionHolidayForm(CivicForm):
    day = DateField(_l("Day off"), validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class ReceptionOverrideForm(CivicForm):
    rule_id = SelectField(_l("Reception schedule"), choices=[], validate_choice=False, validators=[DataRequired()])
    original_on = DateField(_l("Session of"), validators=[DataRequired()])
    action = SelectField(_l("Adjustment"), choices=options([("move", _l("Move to another date")), ("cancel", _l("Cancel"))]))
    moved_to = DateField(_l("New date"), validators=[Optional()])
    reason = StringField(_l("Reason (shown to residents)"), validators=[Optional(), Length(max=500)])


class ReceptionDeleteForm(CivicForm):
    """Only the CSRF token: the delete buttons."""
