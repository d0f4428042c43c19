"""What editors read for the news domain's codes: statuses, revision actions, fields, picture kinds.

Templates receive these labels and badges; they never compare status strings themselves.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from civic.core.timeutil import format_datetime
from civic.news.models import Article, ArticleStatus, ImageKind, RevisionAction


def field_labels() -> dict[str, str]:
    return {
        "title": _("Title"), "summary": _("Summary"), "body_html": _("Body"), "category": _("Category"),
        "status": _("Status"), "publish_at": _("Publish at"), "byline": _("Byline"), "tags": _("Tags"),
        "slug": _("Address"), "pinned": _("Pinned"), "image": _("Picture"), "caption": _("Caption"),
    }


def status_labels() -> dict[str, str]:
    return {ArticleStatus.DRAFT: _("Draft"), ArticleStatus.SCHEDULED: _("Scheduled"),
            ArticleStatus.PUBLISHED: _("Published")}


# The badge class each status wears in the editors' list.
STATUS_BADGES = {ArticleStatus.PUBLISHED: "badge ok", ArticleStatus.SCHEDULED: "badge warn",
                 ArticleStatus.DRAFT: "badge"}


def status_badge(article: Article) -> dict[str, str]:
    """{"label", "css"} for the article's status."""
    status = ArticleStatus(article.status)
    return {"label": status_labels()[status], "css": STATUS_BADGES[status]}


def status_filters(current: str | None) -> list[dict]:
    """The editors' list's filter chips: every status (plural labels) and whether it is chosen."""
    plural = {ArticleStatus.DRAFT: _("Drafts"), ArticleStatus.SCHEDULED: _("Scheduled"),
              ArticleStatus.PUBLISHED: _("Published")}
    return [{"status": status.value, "label": label, "current": current == status} for status, label in plural.items()]


def image_kind_labels() -> dict[str, str]:
    return {ImageKind.COVER: _("Cover picture"), ImageKind.ALBUM: _("Album picture")}


def action_labels() -> dict[str, str]:
    return {
        RevisionAction.CREATED: _("Created"), RevisionAction.EDITED: _("Edited"),
        RevisionAction.PUBLISHED: _("Published"), RevisionAction.SCHEDULED: _("Scheduled"),
        RevisionAction.UNPUBLISHED: _("Unpublished"), RevisionAction.PINNED: _("Pinned"),
        RevisionAction.UNPINNED: _("Unpinned"), RevisionAction.IMAGE_ADDED: _("Picture added"),
        RevisionAction.IMAGE_REMOVED: _("Picture removed"),
    }


def month_label(year: int, month: int) -> str:
    return _("Month %(month)s/%(year)s", month=f"{month:02d}", year=year)


def history_value(name: str, value) -> str:
    """One recorded value as an editor reads it: Có/Không, status names, local times."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "status":
        return status_labels().get(value, str(value))
    if name in {"publish_at", "published_at"} and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, datetime):
        return format_datetime(value)
    if name == "image" and isinstance(value, str):
        kind, sep, rest = value.partition(": ")
        if sep and kind in image_kind_labels():
            return f"{image_kind_labels()[kind]}: {rest}"
    return str(value)


def history_entries(article: Article) -> list[dict]:
    """The article's revisions with labelled fields and formatted values, for the history page."""
    fields, actions = field_labels(), action_labels()
    return [
        {
            "action": actions.get(rev.action, rev.action), "created_at": rev.created_at, "user": rev.user,
            "rows": [
                {"field": fields.get(name, name), "old": history_value(name, change.get("old")),
                 "new": history_value(name, change.get("new"))}
                for name, change in sorted((rev.changes or {}).items())
            ],
        }
        for rev in article.revisions
    ]
