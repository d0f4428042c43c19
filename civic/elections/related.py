"""Related election news, without elections importing news (CONTRIBUTING's layers).

The portal registers a provider at app setup (civic.portal.election_news); elections only
asks for ``related_news(limit)`` and shows nothing when no provider is set.
"""

from __future__ import annotations

from collections.abc import Callable

_provider: Callable[[int], list] | None = None


def set_news_provider(fn: Callable[[int], list] | None) -> None:
    """``fn(limit)`` returns the newest published election articles (None removes it)."""
    global _provider
    _provider = fn


def related_news(limit: int = 5) -> list:
    return list(_provider(limit)) if _provider is not None else []
