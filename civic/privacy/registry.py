"""Domains that hold personal data register a provider here at app setup.

privacy knows nothing of events, elections and the rest: it asks each registered provider to
find, correct, withdraw or erase what it holds for an :class:`Identity`. A domain registers
from its own ``privacy.py`` (``register_privacy()``), called by the application factory::

    from civic.privacy.registry import Provider, Section, register

    register("events", Provider(order=20, find=_find, erase=_erase, correct=_correct))

Registering the same name again replaces the provider (one per name, whatever the app count).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Identity:
    """Who a request is for: addresses the person has proved, and/or their account."""

    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    user_id: int | None = None

    @property
    def addresses(self) -> list[str]:
        return sorted(self.emails) + sorted(self.phones)

    def __bool__(self) -> bool:
        return bool(self.emails or self.phones or self.user_id)


@dataclass
class Section:
    """What one domain holds about the person: a titled table (headers + rows of text).

    ``subjects`` are (kind, id) pairs whose consents belong with this section; ``note`` says
    what erasure keeps and why (an official record) when it keeps something."""

    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    subjects: list[tuple[str, int]] = field(default_factory=list)
    note: str = ""


@dataclass
class Erased:
    erased: int = 0
    kept: list[str] = field(default_factory=list)  # user-facing sentences: what stays and why
    needs_admin: bool = False  # something only an administrator may erase (a staff account)


@dataclass
class Provider:
    find: Callable[[Identity], Section | None]
    erase: Callable[[Identity], Erased] | None = None
    correct: Callable[[Identity, str], int] | None = None  # the new name; returns rows changed
    withdraw: Callable[[Identity], int] | None = None  # stop messages; returns rows changed
    order: int = 50


_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    _providers[name] = provider


def providers() -> list[tuple[str, Provider]]:
    return sorted(_providers.items(), key=lambda item: (item[1].order, item[0]))
