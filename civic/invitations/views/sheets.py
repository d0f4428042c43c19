"""On paper and in numbers: the sign-in sheet (to print, and to tick afterwards) and the attendance report."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from civic.core.permissions import Role, role_required
from civic.invitations import access, forms, labels
from civic.invitations import services as svc
from civic.invitations.models import SheetGrouping
from civic.invitations.views.blueprint import bp, xlsx_response


@bp.route("/su-kien/<int:event_id>/danh-sach-ky")
@role_required(Role.ORGANIZER)
def sign_in_sheet(event_id):
    event = access.managed_event(current_user, event_id)
    blank = min(max(request.args.get("trong", 10, type=int) or 0, 0), 100)
    grouping = _grouping()
    sections = svc.sign_in_sheet(event, grouping)
    svc.record_access(current_user, "sign_in_sheet", event)
    return render_template("invitations/sign_in_sheet.html", event=event, sections=sections,
                           blank_rows=range(blank), ward=svc.ward_settings(), grouping=grouping,
                           groupings=_groupings(grouping))


def _grouping() -> SheetGrouping:
    """?nhom=don-vi groups the sheet by unit; anything else is the default single list."""
    value = request.args.get("nhom", SheetGrouping.BY_NAME)
    return SheetGrouping(value) if value in svc.SHEET_GROUPINGS else SheetGrouping.BY_NAME


def _groupings(chosen: SheetGrouping) -> list[tuple[str, str, bool]]:
    """The order picker's options: (value, label, selected)."""
    return [(value, label, value == chosen) for value, label in labels.sheet_grouping_labels().items()]


@bp.route("/su-kien/<int:event_id>/danh-sach-ky/danh-dau", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def sign_in_tick(event_id):
    event = access.managed_event(current_user, event_id)
    form = forms.ActionForm()
    if form.validate_on_submit():
        ids = [int(v) for v in request.form.getlist("signed") if v.isdigit()]
        count = svc.tick_signed(event, ids, current_user)
        flash(_("%(count)s people marked as present.", count=count), "success")
        return redirect(url_for("invitations.sign_in_tick", event_id=event.id, nhom=_grouping()), 303)
    grouping = _grouping()
    return render_template("invitations/sign_in_tick.html", event=event, sections=svc.sign_in_sheet(event, grouping),
                           form=form, grouping=grouping, groupings=_groupings(grouping))


@bp.route("/su-kien/<int:event_id>/bao-cao")
@role_required(Role.ORGANIZER)
def report(event_id):
    event = access.managed_event(current_user, event_id)
    data = svc.attendance_report(event)
    svc.record_access(current_user, "attendance_report", event)
    chart = Markup(svc.report_chart_svg(data["totals"]))  # noqa: S704 - built by us with escaped labels
    return render_template("invitations/report.html", event=event, report=data, chart=chart)


@bp.route("/su-kien/<int:event_id>/bao-cao.xlsx")
@role_required(Role.ORGANIZER)
def report_xlsx(event_id):
    event = access.managed_event(current_user, event_id)
    data = svc.report_xlsx(event)
    svc.record_access(current_user, "attendance_report", event, fmt="xlsx")
    return xlsx_response(data, f"bao-cao-su-kien-{event.id}.xlsx")

