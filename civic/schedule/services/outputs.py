"""What the pages, the printable A4 page, the .docx, ICS and Atom show."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _

from civic.core.timeutil import local_today
from civic.extensions import db
from civic.invitations.models import Invitation, PostHolding
from civic.invitations.services import current_holding
from civic.privacy.audit import record_and_commit
from civic.schedule.models import ScheduleItem, ScheduleWeek
from civic.schedule.services.labels import day_heading, participant_label, session_labels, time_text


def chair_text(item: ScheduleItem) -> str:
    names = []
    for post in item.chairs:
        holding = current_holding(post)
        names.append(f"{post.label} {holding.contact.full_name}" if holding else post.label)
    return "; ".join(names)


def participants_text(item: ScheduleItem) -> str:
    parts = [participant_label(p) for p in item.participants]
    if item.participants_note:
        parts.append(item.participants_note)
    return "; ".join(p for p in parts if p)


def item_view(item: ScheduleItem) -> dict:
    """Display values (also what a revision's snapshot stores)."""
    return {"id": item.id, "day": item.day.isoformat(), "day_label": day_heading(item.day), "session": item.session,
            "session_label": session_labels().get(item.session, ""), "time": time_text(item.starts_at),
            "end": time_text(item.ends_at), "content": item.content, "place": item.place,
            "preparing_unit": item.preparing_unit, "chairs": chair_text(item),
            "participants": participants_text(item), "separate_letter": item.separate_letter,
            "is_public": item.is_public, "cancelled": item.is_cancelled, "cancel_reason": item.cancel_reason,
            "changed_in": item.changed_in, "event_id": item.event_id or item.own_event_id,
            "chair_post_ids": [p.id for p in item.chairs]}


def week_heading(week: ScheduleWeek, org: str) -> tuple[str, str]:
    return (_("WORK SCHEDULE OF THE LEADERS OF THE PEOPLE'S COMMITTEE OF %(org)s", org=org.upper()),
            _("(Week %(n)s from %(start)s to %(end)s)", n=f"{week.iso_week:02d}",
              start=week.monday.strftime("%d/%m/%Y"), end=week.sunday.strftime("%d/%m/%Y")))


def revision_label(number: int) -> str:
    return _("Revised and supplemented schedule (revision %(n)s)", n=number) if number else ""


def days(week: ScheduleWeek, views: list[dict], internal: bool, today: date | None = None) -> list[dict]:
    """Day sections in order; ``views`` are item_view dicts (live or from a snapshot)."""
    today = today or local_today()
    out = []
    for offset in range(7):
        day = week.monday + timedelta(days=offset)
        rows = [v for v in views if v["day"] == day.isoformat() and (internal or v["is_public"])]
        if rows or offset < 5:
            out.append({"date": day, "heading": day_heading(day), "items": rows, "is_today": day == today})
    return out


def post_items(post_id: int, weeks: list[ScheduleWeek], internal: bool = False) -> list[ScheduleItem]:
    return [i for w in weeks for i in w.items
            if (internal or i.is_public) and any(p.id == post_id for p in i.chairs)
            or (internal or i.is_public) and any(p.post_id == post_id for p in i.participants)]


def docx_bytes(week: ScheduleWeek, views: list[dict], ward: dict, revision: int) -> bytes:
    """The week as a Word document (wards pass it around in Word). python-docx is imported
    here, not at module load."""
    import io

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    org = ward.get("ward_name", "")
    head = doc.add_table(rows=1, cols=2)
    head.cell(0, 0).text = f"{ward.get('issuer_parent', '').upper()}\n{_('PEOPLE’S COMMITTEE OF %(org)s', org=org.upper())}"
    head.cell(0, 1).text = _("SOCIALIST REPUBLIC OF VIETNAM\nIndependence – Freedom – Happiness")
    title, sub = week_heading(week, org)
    for text, bold in ((title, True), (sub, False)):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(text).bold = bold
    if revision:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(revision_label(revision)).italic = True
    if week.replaces_letters:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(_("THIS SCHEDULE STANDS IN FOR THE MEETING INVITATION")).bold = True
    for day in days(week, views, internal=True):
        doc.add_paragraph().add_run(day["heading"]).bold = True
        if not day["items"]:
            doc.add_paragraph(_("Regular work at the office."))
        for v in day["items"]:
            p = doc.add_paragraph()
            run = p.add_run(f"{v['time']}: ")
            run.bold = True
            text = v["content"]
            if v["cancelled"]:
                text = _("(Cancelled) %(content)s. Reason: %(reason)s", content=text, reason=v["cancel_reason"])
            p.add_run(text + (" " + _("(Separate invitation)") if v["separate_letter"] else ""))
            for label, value in ((_("Chair"), v["chairs"]), (_("Participants"), v["participants"]),
                                 (_("Prepared by"), v["preparing_unit"]), (_("Place"), v["place"])):
                if value:
                    doc.add_paragraph(f"{label}: {value}")
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sign.add_run(_("ON BEHALF OF THE OFFICE\nCHIEF OF OFFICE")).bold = True
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def ics_bytes(name: str, items: list[ScheduleItem]) -> bytes:
    from flask import current_app
    from icalendar import Calendar
    from icalendar import Event as VEvent

    host = current_app.config["CIVIC_BASE_URL"].split("://", 1)[-1].split("/", 1)[0] or "civic"
    cal = Calendar()
    cal.add("prodid", "-//civic//Ward work schedule//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for item in items:
        ve = VEvent()
        ve.add("uid", f"schedule-item-{item.id}@{host}")
        ve.add("dtstamp", item.updated_at or item.starts_at)
        ve.add("dtstart", item.starts_at)
        ve.add("dtend", item.ends_at or item.starts_at + timedelta(hours=1))
        ve.add("summary", ((_("(Cancelled)") + " ") if item.is_cancelled else "") + item.content.splitlines()[0])
        if item.place:
            ve.add("location", item.place)
        ve.add("status", "CANCELLED" if item.is_cancelled else "CONFIRMED")
        cal.add_component(ve)
    return cal.to_ical()


def person_items(contact, weeks: list[ScheduleWeek]) -> list[ScheduleItem]:
    """Public items a person chairs (by the posts they hold now) or is invited to."""
    import sqlalchemy as sa


    posts = set(db.session.scalars(sa.select(PostHolding.post_id).where(
        PostHolding.contact_id == contact.id, PostHolding.ended_on.is_(None))))
    events = set(db.session.scalars(sa.select(Invitation.event_id).where(Invitation.contact_id == contact.id)))
    return [i for w in weeks for i in w.items if i.is_public and (
        any(p.id in posts for p in i.chairs) or i.event_id in events
        or any(p.contact_id == contact.id or (p.post_id in posts) for p in i.participants))]


def record_staff_export(user, week: ScheduleWeek, fmt: str, items: int) -> None:
    """Who printed or downloaded a week with its internal items and outside participants' names
    (the public version holds only what the portal shows anyone, and is not recorded)."""

    record_and_commit(user, f"schedule_{fmt}", None, week_id=week.id, year=week.iso_year, week=week.iso_week,
                      rows=items, format=fmt if fmt == "docx" else None,
                      event_title=_("Week %(week)s of %(year)s", week=f"{week.iso_week:02d}", year=week.iso_year))
