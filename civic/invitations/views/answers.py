"""The invitee's own page (their personal link, no account): the invitation and their answer."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from civic.core.permissions import public
from civic.core.ratelimits import public_form_limit
from civic.events.models import EventStatus
from civic.events.services import get_event
from civic.invitations import access, forms, labels
from civic.invitations import services as svc
from civic.invitations.models import AnswerChannel
from civic.invitations.views.blueprint import bp
from civic.privacy import services as privacy


@bp.route("/giay-moi/<token>", methods=["GET", "POST"])
@public
@public_form_limit()
def respond(token):
    inv = access.invitation_of_link(token)
    event = get_event(inv.event_id)
    form = forms.RespondForm()
    status = 200
    if request.method == "GET" and inv.answered:
        form.response.data = inv.status
        form.reason.data = inv.reason
        form.substitute_name.data = inv.substitute_name
        form.substitute_position.data = inv.substitute_position
        form.substitute_phone.data = inv.substitute_phone
    if form.validate_on_submit():
        try:
            svc.answer(inv, form.response.data, reason=form.reason.data or "",
                       substitute_name=form.substitute_name.data or "",
                       substitute_position=form.substitute_position.data or "",
                       substitute_phone=form.substitute_phone.data or None,
                       responder_name=form.responder_name.data or "", via=AnswerChannel.LINK,
                       consent=privacy.consent_from(form.consent.data))
        except svc.InvitationError as exc:
            flash(str(exc), "error")
            status = 422 if isinstance(exc, svc.ConsentMissing) else 400
        else:
            flash(_("Thank you, your answer has been recorded."), "success")
            return redirect(url_for("invitations.respond", token=token), 303)
    elif request.method == "POST":
        status = 400
    # Who comes (or sends someone) shows this at the door, as on the printed letter.
    checkin_qr = (svc.qr_data_uri(svc.checkin_url(inv))
                  if inv.coming and event.status != EventStatus.CANCELLED else None)
    return render_template("invitations/respond.html", inv=inv, event=event, form=form, closed=svc.answers_closed(event),
                           statuses=labels.status_labels(), roles=labels.role_labels(), checkin_qr=checkin_qr), status

