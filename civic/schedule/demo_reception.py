"""Demo: the chairman receives citizens every Thursday morning, a vice-chairman one afternoon a
week on the weekday of the next holiday, so the demo always shows a session moved by a holiday."""

from __future__ import annotations

from datetime import date, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.extensions import db

PLACE = "Trụ sở UBND phường – Phòng tiếp công dân"
LEADERS = ("Chủ tịch UBND phường", "Phó Chủ tịch UBND phường")


def _first_weekday_holiday(today: date):
    from civic.schedule.services import holidays as hol

    days_off = hol.holidays_between(today, today + timedelta(weeks=8))
    return next((d for d in days_off if d.weekday() < 5 and d.weekday() != 3), None)


def load_demo() -> list[str]:
    from civic.core.timeutil import local_today
    from civic.invitations import services as inv
    from civic.invitations.models import Contact
    from civic.schedule.models import ReceptionRule
    from civic.schedule.services import reception as svc

    today = local_today()
    posts = []
    for title in LEADERS:
        post = inv.get_or_create_post(title, None)
        db.session.commit()
        if inv.current_holding(post) is None:
            contact = db.session.scalar(sa.select(Contact).where(Contact.position == title).order_by(Contact.id))
            if contact is None:
                return [_("Citizen reception skipped: the leaders' directory is missing.")]
            inv.hand_over(post, contact, date(2016, 7, 1))
        posts.append(post)
    new = 0
    chairman, vice = posts
    if db.session.scalar(sa.select(ReceptionRule.id).where(ReceptionRule.post_id == chairman.id)) is None:
        svc.save_rule(None, svc.RuleInput(post_id=chairman.id, weekdays=[3], starts_at=time(7, 30), ends_at=time(11, 30),
                                          place=PLACE, valid_from=date(2021, 1, 1), holiday_policy="next",
                                          note="Tiếp công dân định kỳ theo Luật Tiếp công dân 2013"))
        new += 1
        # One session moved by hand: the chairman attends the city's conference that Thursday.
        third = [s for s in svc.upcoming_sessions(today) if s.status == svc.SCHEDULED][2:3]
        for s in third:
            svc.set_override(s.rule, s.original_on, "move", s.original_on + timedelta(days=1),
                             "Chủ tịch dự hội nghị của Thành phố")
    if db.session.scalar(sa.select(ReceptionRule.id).where(ReceptionRule.post_id == vice.id)) is None:
        holiday = _first_weekday_holiday(today)
        weekday = holiday.weekday() if holiday else 1
        svc.save_rule(None, svc.RuleInput(post_id=vice.id, weekdays=[weekday], starts_at=time(13, 30), ends_at=time(17, 0),
                                          place=PLACE, valid_from=date(2021, 1, 1), holiday_policy="previous"))
        new += 1
    sessions = svc.upcoming_sessions(today)
    moved = sum(1 for s in sessions if s.status != svc.SCHEDULED)
    return [_("Citizen reception: %(rules)s schedules (%(new)s new), %(sessions)s sessions in the coming weeks, "
              "%(moved)s moved or cancelled", rules=len(svc.list_rules()), new=new, sessions=len(sessions), moved=moved)]
