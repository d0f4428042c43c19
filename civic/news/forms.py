"""Editor forms. Rules (lengths, publish times, slugs) are checked in civic.news.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from civic.core.forms import CivicForm, options
from civic.news.models import ArticleStatus, BodyFormat


class ArticleForm(CivicForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Enter a title."))])
    summary = TextAreaField(_l("Summary (sapo)"), validators=[Optional()])
    body_format = SelectField(
        _l("The body is written in"),
        choices=options([(BodyFormat.HTML.value, _l("HTML (pasted from Word or the editor)")),
                 (BodyFormat.MARKDOWN.value, _l("Markdown"))]),
        default=BodyFormat.HTML.value,
    )
    body = TextAreaField(_l("Body"), validators=[Optional()])
    category = SelectField(_l("Category"), choices=[])
    tags = StringField(_l("Tags (separated by commas)"), validators=[Optional()])
    byline = StringField(_l("Byline"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=options([(ArticleStatus.DRAFT.value, _l("Draft")), (ArticleStatus.PUBLISHED.value, _l("Published")),
                 (ArticleStatus.SCHEDULED.value, _l("Scheduled"))]),
        default=ArticleStatus.DRAFT.value,
    )
    publish_at = DateTimeLocalField(
        _l("Publish at (for scheduled articles)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    slug = StringField(_l("Address (slug)"), validators=[Optional()])
    regenerate_slug = BooleanField(_l("Make a new address from the title (the old one keeps working)"))
    cover = FileField(_l("Cover photo"))
    cover_caption = StringField(_l("Cover photo caption"), validators=[Optional()])


class AlbumUploadForm(CivicForm):
    images = MultipleFileField(_l("Pictures for the album"))
    caption = StringField(_l("Caption"), validators=[Optional()])


class CaptionForm(CivicForm):
    caption = StringField(_l("Caption"), validators=[Optional()])


class CategoryForm(CivicForm):
    name = StringField(_l("Category name"), validators=[DataRequired(message=_l("Enter the category's name."))])
    description = StringField(_l("Description"), validators=[Optional()])


class ActionForm(CivicForm):
    """A button that changes something: only the CSRF token."""
