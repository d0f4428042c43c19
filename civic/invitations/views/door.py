"""Check-in at the door: search, the letter's QR code, walk-ins."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.forms import first_error
from civic.core.permissions import Role, public, role_required
from civic.core.timeutil import format_time
from civic.events.services import can_manage_event, get_event
from civic.extensions import limiter
from civic.invitations import access, forms, labels
from civic.invitations import services as svc
from civic.invitations.models import CheckinMethod
from civic.invitations.views.blueprint import bp


@bp.route("/su-kien/<int:event_id>/diem-danh")
@role_required(Role.ORGANIZER)
def checkin(event_id):
    event = access.managed_event(current_user, event_id)
    q = request.args.get("q", "").strip()[:100]
    results = svc.search_invitees(event, q) if q else []
    arrived = sorted((i for i in svc.list_invitations(event) if i.checked_in_at), key=lambda i: i.checked_in_at,
                     reverse=True)[:20]
    return render_template("invitations/checkin.html", event=event, q=q, results=results, arrived=arrived,
                           action=forms.ActionForm(), walk_in=forms.WalkInForm(), statuses=labels.status_labels(),
                           counts=svc.attendance_report(event)["totals"])


@bp.post("/su-kien/<int:event_id>/diem-danh/<int:invitation_id>")
@role_required(Role.ORGANIZER)
def checkin_mark(event_id, invitation_id):
    event = access.managed_event(current_user, event_id)
    inv = access.invitation(event, invitation_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    _flash_checkin(*svc.check_in(inv, current_user, CheckinMethod.SEARCH))
    return redirect(url_for("invitations.checkin", event_id=event.id, q=request.form.get("q", "")), 303)


def _flash_checkin(inv, first):
    if first:
        flash(_("%(name)s has arrived.", name=inv.full_name), "success")
    else:
        flash(_("%(name)s was already checked in at %(time)s.", name=inv.full_name, time=format_time(inv.checked_in_at)),
              "warning")


@bp.post("/su-kien/<int:event_id>/diem-danh/khach")
@role_required(Role.ORGANIZER)
def checkin_walk_in(event_id):
    event = access.managed_event(current_user, event_id)
    form = forms.WalkInForm()
    if form.validate_on_submit():
        try:
            inv = svc.add_walk_in(event, form.full_name.data, form.position.data or "", form.unit.data or "", current_user)
        except svc.InvitationError as exc:
            flash(str(exc), "error")
        else:
            flash(_("%(name)s has been added and checked in.", name=inv.full_name), "success")
    else:
        flash(first_error(form) or _("Some of the information is not valid."), "error")
    return redirect(url_for("invitations.checkin", event_id=event.id), 303)


@bp.route("/diem-danh/<code>", methods=["GET", "POST"])
@public
@limiter.limit("60 per minute")
def checkin_code(code):
    """The QR code's address. An organizer of the event sees who it is and checks them in with
    one tap (POST): a link preview, prefetch or stray scan opening it records nothing. Anyone
    else is told nothing about the invitee or the event."""
    inv = svc.invitation_by_checkin_code(code)
    event = get_event(inv.event_id) if inv is not None else None
    if inv is None or not can_manage_event(current_user, event):
        return render_template("invitations/checkin_code_public.html"), 404 if inv is None else 200
    form = forms.ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The form has expired. Please scan the code again."), "error")
            return redirect(url_for("invitations.checkin_code", code=code), 303)
        _flash_checkin(*svc.check_in(inv, current_user, CheckinMethod.QR))
        return redirect(url_for("invitations.checkin", event_id=event.id), 303)
    return render_template("invitations/checkin_confirm.html", inv=inv, event=event, form=form,
                           statuses=labels.status_labels(), roles=labels.role_labels())

