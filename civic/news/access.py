"""One loader and one policy per news object, for the pages and the API alike.

The rule: an object that is not visible to you (missing, or an article that is not public and that
you may not edit) answers 404, as if it did not exist; one you can see but may not manage answers
403. Editors see and manage every article; everyone sees public articles and every category.
"""

from __future__ import annotations

from flask_babel import gettext as _

from civic.core.errors import abort_with
from civic.core.permissions import can_edit_news
from civic.news.models import Article, Category
from civic.news.services.categories import get_category
from civic.news.services.queries import find_by_slug, get_article


def can_preview(user) -> bool:
    """Editors may open drafts and scheduled articles at their future address."""
    return can_edit_news(user)


def _load(id_or_slug: int | str) -> Article | None:
    """By id (an int) or by slug, current or old (the caller compares ``article.slug`` to redirect)."""
    if isinstance(id_or_slug, int):
        return get_article(id_or_slug)
    article, _moved = find_by_slug(str(id_or_slug))
    return article


def _not_found():
    abort_with(404, _("We could not find this article."))


def viewable(user, id_or_slug: int | str) -> Article:
    """The article ``user`` may read (an editor also drafts and scheduled ones), or 404."""
    article = _load(id_or_slug)
    if article is None or not (article.is_public or can_preview(user)):
        _not_found()
    return article


def viewable_page(user, slug: str):
    """``viewable``'s article as a plain copy for its page (services.article_page), same rule."""
    from civic.news.services.copies import article_page

    article = article_page(slug)
    if article is None or not (article.is_public or can_preview(user)):
        _not_found()
    return article


def editable(user, id_or_slug: int | str) -> Article:
    """The article ``user`` may change: 404 when they cannot see it, 403 when they only can read it."""
    article = viewable(user, id_or_slug)
    if not can_edit_news(user):
        abort_with(403, _("Only editors may change articles."))
    return article


def viewable_category(slug: str | None) -> Category:
    """Every category is public: a missing one is 404."""
    category = get_category(slug)
    if category is None:
        abort_with(404, _("This category does not exist."))
    return category
