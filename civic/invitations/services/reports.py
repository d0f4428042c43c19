"""The attendance report: totals by group and unit, its chart and its spreadsheet."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import escape

from civic.core.collation import sort_key
from civic.core.phone import format_phone_local
from civic.core.spreadsheets import safe_row
from civic.core.text import clean_line
from civic.core.timeutil import format_datetime
from civic.extensions import db
from civic.invitations.labels import answer_label, role_labels, status_labels
from civic.invitations.models import ContactGroup, Invitation, InvitationStatus, Post
from civic.invitations.services.checkin import section_of, unit_sort_key
from civic.invitations.services.directory import list_contact_groups
from civic.invitations.services.invites import list_invitations


def _counts(invs: list[Invitation]) -> dict[str, int]:
    return {
        "invited": len([i for i in invs if not i.is_walk_in]),
        "answered": sum(1 for i in invs if i.answered and not i.is_walk_in),
        "accepted": sum(1 for i in invs if i.status == InvitationStatus.ATTEND and not i.is_walk_in),
        # Checking in wins: who declined and came anyway counts as present, not absent.
        "declined": sum(1 for i in invs if i.status == InvitationStatus.DECLINE and not i.present),
        "substitutes": sum(1 for i in invs if i.sends_substitute),
        "attended": sum(1 for i in invs if i.checked_in_at is not None),
        "walk_ins": sum(1 for i in invs if i.is_walk_in),
    }


def _report_group(inv: Invitation, groups: dict[int, ContactGroup], labels: dict[str, ContactGroup],
                  posts: dict[int, Post]) -> tuple[int, str]:
    """(rank, name): the invitation group, else the post's title (one row for every tổ's
    holder), else "Other". Rows older than ``group_id`` are matched by their source text."""
    group = groups.get(inv.group_id) if inv.group_id else None
    if group is None and inv.source:
        group = labels.get(inv.source.split(" (", 1)[0])
    if group is not None:
        return 0, group.name
    if inv.post_id and inv.post_id in posts:
        return 1, posts[inv.post_id].title
    return 2, _("Other")


def attendance_report(event) -> dict:
    invs = list_invitations(event)
    groups = {g.id: g for g in list_contact_groups()}
    labels = {_("Group: %(name)s", name=g.name): g for g in groups.values()}
    post_ids = {i.post_id for i in invs if i.post_id}
    posts = {p.id: p for p in db.session.scalars(sa.select(Post).where(Post.id.in_(post_ids)))} if post_ids else {}
    by_group: dict[tuple[int, str], list] = {}
    by_unit: dict[str, list] = {}
    for inv in invs:
        by_group.setdefault(_report_group(inv, groups, labels, posts), []).append(inv)
        by_unit.setdefault(section_of(inv), []).append(inv)
    return {
        "totals": _counts(invs),
        "by_group": [(name, _counts(by_group[(rank, name)]))
                     for rank, name in sorted(by_group, key=lambda k: (k[0], sort_key(k[1])))],
        "by_unit": [(k, _counts(by_unit[k])) for k in sorted(by_unit, key=unit_sort_key)],
    }


def report_chart_svg(totals: dict[str, int]) -> str:
    """A horizontal bar chart as SVG markup (attributes only, no inline style: CSP)."""
    bars = [("invited", _("Invited")), ("answered", _("Answered")), ("accepted", _("Will attend")),
            ("substitutes", _("Substitutes")), ("attended", _("Attended"))]
    top = max([totals[k] for k, _label in bars] + [1])
    width, label_w, row_h = 560, 150, 34
    title = escape(_("Attendance chart"))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {row_h * len(bars) + 10}" '
             f'class="inv-chart" role="img" aria-label="{title}">']
    for n, (key, label) in enumerate(bars):
        y = 5 + n * row_h
        w = int((width - label_w - 60) * totals[key] / top)
        parts.append(f'<text x="0" y="{y + 20}" class="inv-chart-label">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 1)}" height="22" rx="3" class="inv-bar inv-bar-{key}"/>')
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 20}" class="inv-chart-value">{totals[key]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def report_xlsx(event) -> bytes:
    from openpyxl import Workbook  # heavy: only for the spreadsheet
    from openpyxl.styles import Font

    rep = attendance_report(event)
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    headers = [_("Invited"), _("Answered"), _("Will attend"), _("Declined"), _("Substitutes"), _("Attended"), _("Walk-ins")]
    keys = ["invited", "answered", "accepted", "declined", "substitutes", "attended", "walk_ins"]
    ws.append(safe_row([event.title]))
    ws.append(["", *headers])
    ws.append([_("Total"), *(rep["totals"][k] for k in keys)])
    ws.append([])
    ws.append([_("By group"), *headers])
    for name, c in rep["by_group"]:
        ws.append(safe_row([name, *(c[k] for k in keys)]))
    ws.append([])
    ws.append([_("By unit"), *headers])
    for name, c in rep["by_unit"]:
        ws.append(safe_row([name, *(c[k] for k in keys)]))
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 40
    detail = wb.create_sheet("Danh sách")
    statuses, roles = status_labels(), role_labels()
    detail.append([_("Item no."), _("Full name"), _("Position"), _("Unit"), _("Residential group"), _("Phone"), _("Attending as"),
                   _("Source"), _("Answer"), _("Substitute"), _("Reason"), _("Checked in")])
    for n, inv in enumerate(list_invitations(event), start=1):
        detail.append(safe_row([n, inv.full_name, inv.position, inv.unit, inv.residential_group_name, format_phone_local(inv.phone),
                       roles.get(inv.role, inv.role), inv.source, answer_label(inv, statuses),
                       clean_line(f"{inv.substitute_name} {inv.substitute_position}"), inv.reason,
                       format_datetime(inv.checked_in_at, with_weekday=False) if inv.checked_in_at else ""]))
    for cell in detail[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

