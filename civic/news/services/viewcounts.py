"""How often each article was read: counted on every view (cached or not), written in batches."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import ngettext
from markupsafe import escape

from civic.core import counters, pagecache
from civic.extensions import db
from civic.news.models import Article


def record_view(article: Article) -> None:
    """Counted on every view, also of the page served from the page cache."""
    pagecache.every_view("news.article_view", article.id)


def view_count(article: Article) -> int:
    return (article.view_count or 0) + counters.pending(f"article:{article.id}")


def _record_view_of(article_id: int, times: int = 1) -> None:
    counters.record_hit(f"article:{article_id}", times)


def _views_html(article_id: int) -> str:
    """The article's view count, filled in on every view of a cached page (lags by the buffer)."""
    stored = db.session.scalar(sa.select(Article.view_count).where(Article.id == article_id)) or 0
    count = stored + counters.pending(f"article:{article_id}")
    return str(escape(ngettext("%(num)s view", "%(num)s views", count)))


pagecache.register_view_hook("news.article_view", _record_view_of)
pagecache.register_fragment("news.article_views", _views_html)


def apply_view_counts(views: dict[str, int]) -> None:
    """Add buffered views, keyed "article:<id>" (runs inside the counters' flush transaction)."""
    for key, amount in sorted(views.items()):
        article_id = int(key.split(":", 1)[1])
        # Being read is not an edit: keep updated_at (the column's onupdate would set it to now).
        db.session.execute(
            sa.update(Article).where(Article.id == article_id)
            .values(view_count=Article.view_count + amount, updated_at=Article.updated_at)
            .execution_options(synchronize_session=False)
        )


counters.register_writer("article", apply_view_counts)
