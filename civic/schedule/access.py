"""One loader per schedule object, called by the pages and the API alike.

The rule: an object that does not exist, or that you may not see, answers 404 (a draft week
is hidden from anyone who cannot edit schedules); one you may see but not manage answers 403.
The loaders raise ScheduleError with that code; views abort with it, the API answers JSON.
"""

from __future__ import annotations

from flask_babel import gettext as _

from civic.core.permissions import Role, has_role
from civic.schedule.models import (
    ReceptionHoliday,
    ReceptionOverride,
    ReceptionRule,
    ScheduleItem,
    ScheduleWeek,
)
from civic.schedule.services import reception
from civic.schedule.services.dates import valid_week
from civic.schedule.services.errors import ScheduleError
from civic.schedule.services.rows import get_item, get_week, get_week_by_id

EDITORS = (Role.ORGANIZER, Role.EDITOR)  # the issue: "an editor or organizer drafts the coming week"
RECEPTION_MANAGERS = (Role.ORGANIZER,)


def can_edit(user) -> bool:
    return any(has_role(user, role) for role in EDITORS)


def viewable_week(user, year: int, week: int) -> ScheduleWeek | None:
    """The week as ``user`` may read it; None when it has no schedule yet or is a draft they may not see."""
    row = get_week(year, week) if valid_week(year, week) else None
    if row is not None and not row.is_published and not can_edit(user):
        return None
    return row


def _manageable(user, row: ScheduleWeek | None) -> ScheduleWeek:
    if row is None or (not row.is_published and not can_edit(user)):
        raise ScheduleError(_("This week does not exist."), 404)
    if not can_edit(user):
        raise ScheduleError(_("You do not have permission to see this page."), 403)
    return row


def managed_week(user, week_id) -> ScheduleWeek:
    return _manageable(user, get_week_by_id(week_id))


def managed_week_at(user, year: int, week: int) -> ScheduleWeek:
    return _manageable(user, get_week(year, week) if valid_week(year, week) else None)


def managed_item(user, week_id, item_id) -> tuple[ScheduleWeek, ScheduleItem]:
    row = managed_week(user, week_id)
    found = get_item(row, item_id)
    if found is None:
        raise ScheduleError(_("This item is not in this week."), 404)
    return row, found


def _reception_managed(user, found, missing: str):
    if found is None:
        raise ScheduleError(missing, 404)
    if not any(has_role(user, role) for role in RECEPTION_MANAGERS):
        raise ScheduleError(_("You do not have permission to see this page."), 403)
    return found


def managed_rule(user, rule_id) -> ReceptionRule:
    return _reception_managed(user, reception.get_rule(rule_id), _("This reception schedule does not exist."))


def managed_holiday(user, holiday_id) -> ReceptionHoliday:
    return _reception_managed(user, reception.get_extra_day(holiday_id), _("This day off is not on the list."))


def managed_override(user, override_id) -> ReceptionOverride:
    return _reception_managed(user, reception.get_override(override_id),
                              _("This change to a session does not exist."))
