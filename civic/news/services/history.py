"""What every change of an article leaves behind: a revision and the folded search text."""

from __future__ import annotations

from datetime import datetime

from civic.core.text import fold
from civic.extensions import db
from civic.news.models import Article, ArticleRevision, RevisionAction
from civic.news.services.sanitize import html_to_text


def _short(value) -> object:
    if isinstance(value, str) and len(value) > 300:
        return value[:300] + "…"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def record_revision(article: Article, user, action: RevisionAction | str,
                    changes: dict | None = None) -> ArticleRevision:
    revision = ArticleRevision(
        article=article,
        user_id=user.id if user is not None and getattr(user, "id", None) else None,
        action=RevisionAction(action).value,
        changes={k: {"old": _short(old), "new": _short(new)} for k, (old, new) in (changes or {}).items()},
    )
    db.session.add(revision)
    return revision


def index_text(article: Article) -> None:
    """The folded copies the full-text index covers (its triggers or generated column read them)."""
    article.title_folded = fold(article.title)
    article.body_folded = fold(f"{article.summary} {html_to_text(article.body_html)}")
