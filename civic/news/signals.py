"""What the news domain announces, so other domains (and its own page cache) can answer without
news calling them.

Each signal is sent with ``sender=<app>`` AFTER the change is committed (``civic.core.db.announce``):
a receiver sees the saved rows and may write and commit on its own; one that raises is logged and
never undoes the editor's change. Exactly one of them is sent per saved change:

- ``article_published``: ``article=<Article>``: it became public (published now, by an edit, or
  by the scheduler when its time came).
- ``article_changed``: ``article=<Article>``, ``changes={"field": (old, new)}``: any other saved
  change (an edit, a pin, a picture or caption), whatever the article's status.
- ``article_withdrawn``: ``article_id``, ``slug``, ``deleted=<bool>`` and ``article`` (None when
  deleted): a public article was unpublished, or any article was deleted.

    from civic.news.signals import article_published

    @article_published.connect
    def _tell_mine(app, article=None, **extra): ...
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

article_published = _signals.signal("civic.news-article-published")
article_changed = _signals.signal("civic.news-article-changed")
article_withdrawn = _signals.signal("civic.news-article-withdrawn")
