"""Loading a week, its items and the posts they name; the week's optimistic lock."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from civic.extensions import db
from civic.invitations.models import Post
from civic.schedule.models import ScheduleItem, ScheduleWeek
from civic.schedule.services.errors import ScheduleConflict, ScheduleError


def _load():
    return (selectinload(ScheduleWeek.items).selectinload(ScheduleItem.participants),
            selectinload(ScheduleWeek.items).selectinload(ScheduleItem.chairs))


def get_week(year: int, week: int) -> ScheduleWeek | None:
    return db.session.scalar(sa.select(ScheduleWeek).where(ScheduleWeek.iso_year == year,
                                                           ScheduleWeek.iso_week == week).options(*_load()))


def get_week_by_id(week_id) -> ScheduleWeek | None:
    try:
        return db.session.scalar(sa.select(ScheduleWeek).where(ScheduleWeek.id == int(week_id)).options(*_load()))
    except (TypeError, ValueError):
        return None


def get_item(week: ScheduleWeek, item_id) -> ScheduleItem | None:
    return next((i for i in week.items if str(i.id) == str(item_id)), None)


def _posts(ids) -> list:
    try:
        ids = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise ScheduleError(_("This post does not exist.")) from None
    if not ids:
        return []
    found = list(db.session.scalars(sa.select(Post).where(Post.id.in_(ids)).order_by(Post.id)))
    if len(found) != len(ids):
        raise ScheduleError(_("This post does not exist."))
    return found


def _claim(week: ScheduleWeek, expected_version) -> None:
    """Optimistic lock: the write goes on only if nobody saved the week since the form was shown.
    Call it inside the write's ``with transaction():``."""
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise ScheduleConflict() from None
    done = db.session.execute(sa.update(ScheduleWeek).where(
        ScheduleWeek.id == week.id, ScheduleWeek.version == expected).values(version=expected + 1))
    if done.rowcount != 1:  # the caller's transaction() rolls back, so the week reloads as saved
        raise ScheduleConflict()
    week.version = expected + 1
