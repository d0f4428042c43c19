"""Forms of the schedule editor (CivicForm: CSRF + NFC)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, SelectMultipleField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from civic.core.forms import CivicForm


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
    separate_letter = BooleanField(_l("Invitations sent separately (giấy mời riêng)"))
    is_public = BooleanField(_l("Shown on the portal"), default=True)


class CancelForm(CivicForm):
    version = HiddenField()
    reason = StringField(_l("Reason for cancelling"), validators=[DataRequired(), Length(max=500)])


class PublishForm(CivicForm):
    version = HiddenField()
    replaces_letters = BooleanField(_l("This schedule stands in for the meeting invitation"), default=True)
