"""An event's invitation list: adding people, roles, sending and reminding, answers recorded by
phone or on paper, following hand-overs, and the printed letters."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.forms import first_error, options
from civic.core.permissions import Role, role_required
from civic.events.models import Audience
from civic.invitations import access, forms, labels
from civic.invitations import services as svc
from civic.invitations.models import SendAudience, SendKind
from civic.invitations.views.blueprint import bp


@bp.route("/giay-moi")
@role_required(Role.ORGANIZER)
def events():
    rows = [(event, count, event.audience == Audience.INVITE_ONLY) for event, count in svc.managed_events(current_user)]
    return render_template("invitations/events.html", events=rows)


@bp.route("/su-kien/<int:event_id>/giay-moi")
@role_required(Role.ORGANIZER)
def event_invitations(event_id):
    return _list_page(access.managed_event(current_user, event_id))


def _list_page(event, add=None, record=None, status: int = 200):
    """The list page; a refused add or recorded answer comes back with what was entered, and a 4xx."""
    if add is None:
        add = forms.AddInviteesForm(formdata=None)
        _fill_add_choices(add)
    invitations = svc.list_invitations(event)
    return render_template(
        "invitations/event_list.html", event=event, invitations=invitations, add=add,
        record=record or forms.RecordAnswerForm(formdata=None),
        action=forms.ActionForm(), roles=labels.role_labels(), statuses=labels.status_labels(),
        recorded_via=labels.recorded_via_label,
        counts=svc.attendance_report(event)["totals"] if invitations else None,
        unsent=len(svc.unsent_invitations(event)),
    ), status


def _fill_add_choices(form):
    form.groups.choices = options([(g.id, g.name) for g in svc.list_contact_groups()])
    form.posts.choices = options([(p.id, p.label) for p in svc.list_posts()])
    form.contacts.choices = options([(c.id, f"{c.full_name} – {c.position}" if c.position else c.full_name)
                             for c in svc.list_contacts()])
    form.role.choices = options(list(labels.role_labels().items()))


@bp.post("/su-kien/<int:event_id>/giay-moi/them")
@role_required(Role.ORGANIZER)
def invitations_add(event_id):
    event = access.managed_event(current_user, event_id)
    form = forms.AddInviteesForm()
    _fill_add_choices(form)
    if not form.validate_on_submit():
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return _list_page(event, add=form, status=400)
    try:
        added = svc.add_invitees(event, group_ids=form.groups.data or [], post_ids=form.posts.data or [],
                                 contact_ids=form.contacts.data or [], role=form.role.data)
    except svc.InvitationError as exc:
        flash(str(exc), "error")
        form.groups.errors = [str(exc)]  # beside the first list to choose from
        return _list_page(event, add=form, status=400)
    flash(_("%(count)s people added to the list.", count=added), "success")
    return redirect(url_for("invitations.event_invitations", event_id=event.id), 303)


@bp.post("/su-kien/<int:event_id>/giay-moi/<int:invitation_id>")
@role_required(Role.ORGANIZER)
def invitation_update(event_id, invitation_id):
    """Change the role, remove, or resend to one invitee."""
    event = access.managed_event(current_user, event_id)
    inv = access.invitation(event, invitation_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    action = request.form.get("action")
    try:
        if action == "role":
            svc.set_role(inv, request.form.get("role", ""))
            flash(_("The role has been changed."), "success")
        elif action == "remove":
            svc.remove_invitation(inv)
            flash(_("Removed from the list."), "success")
        elif action == "resend":
            result = svc.send(event, [inv], SendKind.RESEND, current_user)
            if result.skipped:
                flash(_("This person has neither an email address nor a phone number."), "error")
            else:
                flash(_("The invitation has been sent again."), "success")
        else:
            abort(400)
    except svc.InvitationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("invitations.event_invitations", event_id=event.id), 303)


@bp.post("/su-kien/<int:event_id>/giay-moi/ghi-tra-loi")
@role_required(Role.ORGANIZER)
def invitation_record(event_id):
    """An answer received by phone or on paper, recorded with who recorded it."""
    event = access.managed_event(current_user, event_id)
    form = forms.RecordAnswerForm()
    if not form.validate_on_submit():
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return _list_page(event, record=form, status=400)
    inv = access.invitation(event, form.invitation_id.data)
    try:
        svc.record_answer(inv, form.response.data, via=form.via.data, recorded_by=current_user,
                          consent_value=form.consent.data, reason=form.reason.data or "",
                          substitute_name=form.substitute_name.data or "",
                          substitute_position=form.substitute_position.data or "")
    except svc.InvitationError as exc:
        flash(str(exc), "error")
        return _list_page(event, record=form, status=422 if isinstance(exc, svc.ConsentMissing) else 400)
    flash(_("The answer has been recorded."), "success")
    return redirect(url_for("invitations.event_invitations", event_id=event.id), 303)


@bp.post("/su-kien/<int:event_id>/giay-moi/ban-giao")
@role_required(Role.ORGANIZER)
def invitations_follow(event_id):
    """Move unanswered invitations of posts that changed hands to the new holders."""
    event = access.managed_event(current_user, event_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    moved = svc.follow_hand_overs(event)
    if moved:
        flash(_("Moved to the new holders: %(list)s.", list="; ".join(f"{a} → {b}" for a, b in moved)), "success")
    else:
        flash(_("Every post on the list is still held by the person invited."), "success")
    return redirect(url_for("invitations.event_invitations", event_id=event.id), 303)


@bp.post("/su-kien/<int:event_id>/giay-moi/gui")
@role_required(Role.ORGANIZER)
def invitations_send(event_id):
    event = access.managed_event(current_user, event_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    audience = request.form.get("audience", SendAudience.NEW)
    try:
        result = svc.send_to(event, audience, current_user)
    except svc.InvitationError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Sent: %(email)s by email, %(sms)s by SMS; %(skipped)s without email or phone.",
                email=result.email, sms=result.sms, skipped=result.skipped), "success")
    return redirect(url_for("invitations.event_invitations", event_id=event.id), 303)


# --------------------------------------------------------------------------- letters


@bp.route("/su-kien/<int:event_id>/giay-moi/mau", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def letter_settings(event_id):
    event = access.managed_event(current_user, event_id)
    settings = svc.letter_settings(event)
    form = forms.LetterForm(obj=settings)
    if form.validate_on_submit():
        try:
            svc.save_letter_settings(event, number=form.number.data, issued_on=form.issued_on.data,
                                     participants=form.participants.data, agenda=form.agenda.data,
                                     contact_person=form.contact_person.data, signer_title=form.signer_title.data,
                                     signer_name=form.signer_name.data)
        except svc.InvitationError as exc:
            flash(str(exc), "error")
        else:
            flash(_("The letter has been saved."), "success")
            return redirect(url_for("invitations.letters", event_id=event.id))
    return render_template("invitations/letter_settings.html", event=event, form=form), 400 if request.method == "POST" else 200


@bp.route("/su-kien/<int:event_id>/giay-moi/in")
@role_required(Role.ORGANIZER)
def letters(event_id):
    event = access.managed_event(current_user, event_id)
    settings = svc.letter_settings(event)
    only = request.args.get("id", type=int)
    invitations = [i for i in svc.list_invitations(event) if not i.is_walk_in and (only is None or i.id == only)]
    qr = {i.id: svc.qr_data_uri(svc.checkin_url(i)) for i in invitations}
    svc.record_access(current_user, "letters_print", event, rows=len(invitations))
    return render_template("invitations/letters.html", event=event, settings=settings, invitations=invitations,
                           qr=qr, ward=svc.ward_settings(), roles=labels.role_labels())

