"""Pages: the directory of leaders, imports, invitation lists, letters, check-in, sheets, reports."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.forms import first_error
from civic.core.permissions import Role, public, role_required
from civic.core.ratelimits import public_form_limit
from civic.extensions import limiter
from civic.invitations import forms
from civic.invitations import services as svc
from civic.invitations.importer import ACCEPT, FIELDS, describe_changes, field_labels
from civic.invitations.models import ROLES
from civic.privacy import services as privacy

bp = Blueprint("invitations", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _managed_event(event_id):
    """The event, if the signed-in organizer may manage it; 404 otherwise (reveals nothing)."""
    from civic.events.services import can_manage_event, get_event

    event = get_event(event_id)
    if event is None or not can_manage_event(current_user, event):
        abort(404)
    return event


def _xlsx(data: bytes, filename: str) -> Response:
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --------------------------------------------------------------------------- directory


@bp.route("/danh-ba")
@role_required(Role.ORGANIZER)
def contacts():
    q = request.args.get("q", "").strip()[:100]
    group_id = request.args.get("nhom", type=int)
    return _directory(q, group_id, forms.BulkGroupForm(formdata=None))


def _group_choices(first: str) -> list[tuple[int, str]]:
    return [(0, first)] + [(g.id, g.name) for g in svc.bulk_groups()]


def _directory(q: str, group_id: int | None, bulk, status: int = 200, ticked=()):
    people = svc.list_contacts(q=q or None, group_id=group_id)
    bulk.group_id.choices = _group_choices(_("Choose a group"))
    bulk.q.data, bulk.nhom.data = q, group_id or ""
    return render_template("invitations/contacts.html", contacts=people, q=q, group_id=group_id,
                           groups=svc.list_contact_groups(), bulk=bulk, ticked=set(ticked),
                           basis_labels=svc.legal_basis_labels(), source_label=svc.source_label), status


@bp.post("/danh-ba/nhom-hang-loat")
@role_required(Role.ORGANIZER)
def contacts_bulk_group():
    """The ticked contacts (or the whole list shown) into or out of a group, in one transaction."""
    form = forms.BulkGroupForm()
    q = (form.q.data or "").strip()[:100]
    nhom = int(form.nhom.data) if (form.nhom.data or "").isdigit() else None
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return _directory(q, nhom, form, 400, form.contact_ids.data or ())
    ids = form.contact_ids.data or []
    if form.all_shown.data:
        ids = [c.id for c in svc.list_contacts(q=q or None, group_id=nhom)]
    try:
        if form.action.data == "remove":
            group, count = svc.remove_contacts_from_group(ids, form.group_id.data)
            flash(_("%(count)s contacts taken out of the group \"%(name)s\".", count=count, name=group.name), "success")
        else:
            group, count = svc.add_contacts_to_group(ids, form.group_id.data, form.new_group.data or "")
            flash(_("%(count)s contacts added to the group \"%(name)s\".", count=count, name=group.name), "success")
    except svc.InvitationError as exc:
        flash(str(exc), "error")
        return _directory(q, nhom, form, 400, ids)
    return redirect(url_for("invitations.contacts", q=q or None, nhom=nhom or None), 303)


def _contact_form(contact=None):
    form = forms.ContactForm(obj=None)
    form.groups.choices = [(g.id, g.name) for g in svc.list_contact_groups() if not g.is_post_based]
    form.legal_basis.choices = list(svc.legal_basis_labels().items())
    if contact is not None and request.method == "GET":
        form.full_name.data = contact.full_name
        form.position.data = contact.position
        form.unit.data = contact.unit
        form.residential_group.data = contact.residential_group.name if contact.residential_group else ""
        form.phone.data = contact.phone
        form.email.data = contact.email
        form.notes.data = contact.notes
        form.groups.data = [g.id for g in contact.groups]
        form.legal_basis.data = contact.legal_basis
    return form


@bp.route("/danh-ba/them", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def contact_new():
    return _edit_contact(None)


@bp.route("/danh-ba/<int:contact_id>/sua", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def contact_edit(contact_id):
    contact = svc.get_contact(contact_id) or abort(404)
    return _edit_contact(contact)


def _edit_contact(contact):
    form = _contact_form(contact)
    status = 200
    if form.validate_on_submit():
        try:
            svc.save_contact(contact, full_name=form.full_name.data, position=form.position.data or "",
                             unit=form.unit.data or "", residential_group=form.residential_group.data,
                             phone=form.phone.data, email=form.email.data, notes=form.notes.data or "",
                             group_ids=form.groups.data or [], legal_basis=form.legal_basis.data)
        except svc.InvitationError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash(_("The contact has been saved."), "success")
            return redirect(url_for("invitations.contacts"))
    elif request.method == "POST":
        status = 400
    return render_template("invitations/contact_form.html", form=form, contact=contact,
                           source=svc.source_label(contact) if contact else None), status


@bp.post("/danh-ba/<int:contact_id>/xoa")
@role_required(Role.ORGANIZER)
def contact_delete(contact_id):
    contact = svc.get_contact(contact_id) or abort(404)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    svc.delete_contact(contact)
    flash(_("The contact has been deleted."), "success")
    return redirect(url_for("invitations.contacts"))


@bp.route("/danh-ba/xuat.xlsx")
@role_required(Role.ORGANIZER)
def contacts_export():
    data = svc.export_contacts_xlsx()
    svc.record_access(current_user, "contacts_export", fmt="xlsx")
    return _xlsx(data, "danh-ba.xlsx")


@bp.route("/danh-ba/nhom", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def groups():
    form = forms.GroupForm()
    status = 200
    if form.validate_on_submit():
        try:
            svc.create_contact_group(form.name.data, form.post_title.data, form.description.data or "")
        except svc.InvitationError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash(_("The group has been created."), "success")
            return redirect(url_for("invitations.groups"))
    elif request.method == "POST":
        status = 400
    rows = [(g, svc.group_members(g)) for g in svc.list_contact_groups()]
    return render_template("invitations/groups.html", form=form, rows=rows), status


@bp.route("/danh-ba/chuc-danh", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def posts():
    from civic.accounts.services import list_groups

    form = forms.PostForm()
    people = svc.list_contacts()
    form.residential_group.choices = [(0, _("Whole ward"))] + [(g.id, g.name) for g in list_groups()]
    form.contact.choices = [(c.id, f"{c.full_name} – {c.position}") for c in people]
    status = 200
    if form.validate_on_submit():
        from civic.accounts.models import ResidentialGroup
        from civic.extensions import db

        try:
            group = db.session.get(ResidentialGroup, form.residential_group.data) if form.residential_group.data else None
            post = svc.get_or_create_post(form.title.data, group)
            svc.hand_over(post, svc.get_contact(form.contact.data), form.started_on.data)
        except svc.InvitationError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash(_("The post has been saved."), "success")
            return redirect(url_for("invitations.posts"))
    elif request.method == "POST":
        status = 400
        flash(first_error(form) or _("Some of the information is not valid."), "error")
    hand_over = forms.HandOverForm()
    hand_over.contact.choices = form.contact.choices
    # Holdings are loaded with the posts: the open one is the current holder (no query per post).
    rows = [(p, next((h for h in p.holdings if h.ended_on is None), None)) for p in svc.list_posts()]
    return render_template("invitations/posts.html", form=form, hand_over=hand_over, rows=rows), status


@bp.post("/danh-ba/chuc-danh/<int:post_id>/ban-giao")
@role_required(Role.ORGANIZER)
def post_hand_over(post_id):
    post = svc.get_post(post_id) or abort(404)
    form = forms.HandOverForm()
    form.contact.choices = [(c.id, c.full_name) for c in svc.list_contacts()]
    if not form.validate_on_submit():
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return redirect(url_for("invitations.posts")), 303
    try:
        svc.hand_over(post, svc.get_contact(form.contact.data), form.started_on.data, form.note.data or "")
    except svc.InvitationError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The post has been handed over."), "success")
    return redirect(url_for("invitations.posts")), 303


# --------------------------------------------------------------------------- import


@bp.route("/danh-ba/nhap", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def import_upload():
    form = forms.UploadForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            job_id = svc.start_import(upload.read(), upload.filename or "", current_user.id)
        except svc.InvitationError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            return redirect(url_for("invitations.import_preview", job_id=job_id))
    elif request.method == "POST":
        flash(first_error(form) or _("Choose a file to import."), "error")
        status = 400
    return render_template("invitations/import_upload.html", form=form, accept=ACCEPT), status


def _job_or_404(job_id):
    try:
        job = svc.read_job(job_id)
    except svc.InvitationError:
        abort(404)
    if job.get("user_id") != current_user.id and not current_user.role == Role.ADMIN:
        abort(404)
    return job


@bp.route("/danh-ba/nhap/<job_id>")
@role_required(Role.ORGANIZER)
def import_preview(job_id):
    return _preview(_job_or_404(job_id))


def _preview(job, confirm=None, status=None):
    report = job.get("report")
    buckets = {"create": [], "update": [], "unchanged": [], "reject": []}
    if report:
        for row in report["rows"]:
            buckets[row["action"]].append(row)
    for row in buckets["update"]:
        row["changes_text"] = describe_changes(row.get("changes") or [])
    if confirm is None:
        confirm = forms.ImportConfirmForm(formdata=None)
    confirm.group_id.choices = _group_choices(_("No group"))
    confirm.legal_basis.choices = list(svc.legal_basis_labels().items())
    labels = field_labels()
    return render_template(
        "invitations/import_preview.html", job=job, report=report, buckets=buckets, labels=labels,
        fields=[""] + list(FIELDS), form=forms.ActionForm(), confirm=confirm,
        can_write=bool(buckets["create"] or buckets["update"] or buckets["unchanged"]),
        columns=[(i, h, (report or {}).get("mapping", {}).get(str(i), "")) for i, h in enumerate((report or {}).get("headers", []))],
        preview_limit=300,
    ), status or (422 if job["state"] == "error" else 200)


@bp.route("/danh-ba/nhap/<job_id>/trang-thai.json")
@role_required(Role.ORGANIZER)
def import_status(job_id):
    job = _job_or_404(job_id)
    return jsonify({"state": job["state"], "progress": job.get("progress", 0), "error": job.get("error")})


@bp.post("/danh-ba/nhap/<job_id>/cot")
@role_required(Role.ORGANIZER)
def import_remap(job_id):
    _job_or_404(job_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    mapping = {}
    for key, value in request.form.items():
        if key.startswith("col-") and key[4:].isdigit() and value in FIELDS:
            mapping[int(key[4:])] = value
    try:
        svc.remap_import(job_id, mapping)
    except svc.InvitationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("invitations.import_preview", job_id=job_id), 303)


@bp.post("/danh-ba/nhap/<job_id>/ghi")
@role_required(Role.ORGANIZER)
def import_confirm(job_id):
    job = _job_or_404(job_id)
    form = forms.ImportConfirmForm()
    form.legal_basis.choices = list(svc.legal_basis_labels().items())
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return _preview(job, confirm=form, status=400)
    try:
        summary = svc.confirm_import(job_id, group_id=form.group_id.data or None, new_group_name=form.new_group.data or "",
                                     legal_basis=form.legal_basis.data)
    except svc.InvitationError as exc:
        flash(str(exc), "error")
        return _preview(svc.read_job(job_id), confirm=form, status=400)
    flash(_("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected.",
            created=summary["created"], updated=summary["updated"], unchanged=summary["unchanged"],
            rejected=len(summary["rejected"])), "success")
    if "group" in summary:
        flash(_("%(count)s contacts added to the group \"%(name)s\".", count=summary["grouped"], name=summary["group"]),
              "success")
    return redirect(url_for("invitations.contacts"), 303)


# --------------------------------------------------------------------------- invitation list


@bp.route("/giay-moi")
@role_required(Role.ORGANIZER)
def events():
    return render_template("invitations/events.html", events=svc.managed_events(current_user))


@bp.route("/su-kien/<int:event_id>/giay-moi")
@role_required(Role.ORGANIZER)
def event_invitations(event_id):
    event = _managed_event(event_id)
    add = forms.AddInviteesForm()
    _fill_add_choices(add)
    invitations = svc.list_invitations(event)
    record = forms.RecordAnswerForm()
    return render_template(
        "invitations/event_list.html", event=event, invitations=invitations, add=add, record=record,
        action=forms.ActionForm(), roles=svc.role_labels(), statuses=svc.status_labels(),
        counts=svc.attendance_report(event)["totals"] if invitations else None,
        unsent=len(svc.unsent_invitations(event)),
    )


def _fill_add_choices(form):
    form.groups.choices = [(g.id, g.name) for g in svc.list_contact_groups()]
    form.posts.choices = [(p.id, p.label) for p in svc.list_posts()]
    form.contacts.choices = [(c.id, f"{c.full_name} – {c.position}" if c.position else c.full_name)
                             for c in svc.list_contacts()]
    form.role.choices = list(svc.role_labels().items())


@bp.post("/su-kien/<int:event_id>/giay-moi/them")
@role_required(Role.ORGANIZER)
def invitations_add(event_id):
    event = _managed_event(event_id)
    form = forms.AddInviteesForm()
    _fill_add_choices(form)
    if not form.validate_on_submit():
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return redirect(url_for("invitations.event_invitations", event_id=event.id), 303)
    try:
        added = svc.add_invitees(event, group_ids=form.groups.data or [], post_ids=form.posts.data or [],
                                 contact_ids=form.contacts.data or [], role=form.role.data)
    except svc.InvitationError as exc:
        flash(str(exc), "error")
    else:
        flash(_("%(count)s people added to the list.", count=added), "success")
    return redirect(url_for("invitations.event_invitations", event_id=event.id), 303)


@bp.post("/su-kien/<int:event_id>/giay-moi/<int:invitation_id>")
@role_required(Role.ORGANIZER)
def invitation_update(event_id, invitation_id):
    """Change the role, remove, or resend to one invitee."""
    event = _managed_event(event_id)
    inv = svc.get_invitation(event, invitation_id) or abort(404)
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
            result = svc.send(event, [inv], "resend", current_user)
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
    event = _managed_event(event_id)
    form = forms.RecordAnswerForm()
    if not form.validate_on_submit():
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return redirect(url_for("invitations.event_invitations", event_id=event.id), 303)
    inv = svc.get_invitation(event, form.invitation_id.data) or abort(404)
    try:
        svc.answer(inv, form.response.data, reason=form.reason.data or "", substitute_name=form.substitute_name.data or "",
                   substitute_position=form.substitute_position.data or "", via=form.via.data, recorded_by=current_user,
                   consent=privacy.consent_from(form.consent.data, form.via.data, current_user))
    except svc.InvitationError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The answer has been recorded."), "success")
    return redirect(url_for("invitations.event_invitations", event_id=event.id), 303)


@bp.post("/su-kien/<int:event_id>/giay-moi/ban-giao")
@role_required(Role.ORGANIZER)
def invitations_follow(event_id):
    """Move unanswered invitations of posts that changed hands to the new holders."""
    event = _managed_event(event_id)
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
    event = _managed_event(event_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    audience = request.form.get("audience", "new")
    try:
        if audience == "new":
            result = svc.send_invitations(event, current_user)
        else:
            result = svc.send_reminders(event, audience, current_user)
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
    event = _managed_event(event_id)
    settings = svc.letter_settings(event)
    form = forms.LetterForm(obj=settings)
    if form.validate_on_submit():
        svc.save_letter_settings(event, number=form.number.data, issued_on=form.issued_on.data,
                                 participants=form.participants.data, agenda=form.agenda.data,
                                 contact_person=form.contact_person.data, signer_title=form.signer_title.data,
                                 signer_name=form.signer_name.data)
        flash(_("The letter has been saved."), "success")
        return redirect(url_for("invitations.letters", event_id=event.id))
    return render_template("invitations/letter_settings.html", event=event, form=form), 400 if request.method == "POST" else 200


@bp.route("/su-kien/<int:event_id>/giay-moi/in")
@role_required(Role.ORGANIZER)
def letters(event_id):
    event = _managed_event(event_id)
    settings = svc.letter_settings(event)
    only = request.args.get("id", type=int)
    invitations = [i for i in svc.list_invitations(event) if not i.is_walk_in and (only is None or i.id == only)]
    qr = {i.id: svc.qr_data_uri(svc.checkin_url(i)) for i in invitations}
    svc.record_access(current_user, "letters_print", event, rows=len(invitations))
    return render_template("invitations/letters.html", event=event, settings=settings, invitations=invitations,
                           qr=qr, ward=svc.ward_settings(), roles=svc.role_labels())


# --------------------------------------------------------------------------- answering (invitee, no account)


@bp.route("/giay-moi/<token>", methods=["GET", "POST"])
@public
@public_form_limit()
def respond(token):
    from civic.events.services import get_event

    inv = svc.invitation_by_token(token)
    if inv is None:
        abort(404)
    event = get_event(inv.event_id)
    form = forms.RespondForm()
    status = 200
    if request.method == "GET" and inv.status != "pending":
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
                       responder_name=form.responder_name.data or "", via="link",
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
                  if inv.status in ("attend", "substitute") and event.status != "cancelled" else None)
    return render_template("invitations/respond.html", inv=inv, event=event, form=form, closed=svc.answers_closed(event),
                           statuses=svc.status_labels(), roles=svc.role_labels(), checkin_qr=checkin_qr), status


# --------------------------------------------------------------------------- check-in


@bp.route("/su-kien/<int:event_id>/diem-danh")
@role_required(Role.ORGANIZER)
def checkin(event_id):
    event = _managed_event(event_id)
    q = request.args.get("q", "").strip()[:100]
    results = svc.search_invitees(event, q) if q else []
    arrived = sorted((i for i in svc.list_invitations(event) if i.checked_in_at), key=lambda i: i.checked_in_at,
                     reverse=True)[:20]
    return render_template("invitations/checkin.html", event=event, q=q, results=results, arrived=arrived,
                           action=forms.ActionForm(), walk_in=forms.WalkInForm(), statuses=svc.status_labels(),
                           counts=svc.attendance_report(event)["totals"])


@bp.post("/su-kien/<int:event_id>/diem-danh/<int:invitation_id>")
@role_required(Role.ORGANIZER)
def checkin_mark(event_id, invitation_id):
    event = _managed_event(event_id)
    inv = svc.get_invitation(event, invitation_id) or abort(404)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    _flash_checkin(*svc.check_in(inv, current_user, "search"))
    return redirect(url_for("invitations.checkin", event_id=event.id, q=request.form.get("q", "")), 303)


def _flash_checkin(inv, first):
    from civic.core.timeutil import format_time

    if first:
        flash(_("%(name)s has arrived.", name=inv.full_name), "success")
    else:
        flash(_("%(name)s was already checked in at %(time)s.", name=inv.full_name, time=format_time(inv.checked_in_at)),
              "warning")


@bp.post("/su-kien/<int:event_id>/diem-danh/khach")
@role_required(Role.ORGANIZER)
def checkin_walk_in(event_id):
    event = _managed_event(event_id)
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
    from civic.events.services import can_manage_event, get_event

    inv = svc.invitation_by_checkin_code(code)
    event = get_event(inv.event_id) if inv is not None else None
    if inv is None or not can_manage_event(current_user, event):
        return render_template("invitations/checkin_code_public.html"), 404 if inv is None else 200
    form = forms.ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The form has expired. Please scan the code again."), "error")
            return redirect(url_for("invitations.checkin_code", code=code), 303)
        _flash_checkin(*svc.check_in(inv, current_user, "qr"))
        return redirect(url_for("invitations.checkin", event_id=event.id), 303)
    return render_template("invitations/checkin_confirm.html", inv=inv, event=event, form=form,
                           statuses=svc.status_labels(), roles=svc.role_labels())


# --------------------------------------------------------------------------- sign-in sheet and report


@bp.route("/su-kien/<int:event_id>/danh-sach-ky")
@role_required(Role.ORGANIZER)
def sign_in_sheet(event_id):
    event = _managed_event(event_id)
    blank = min(max(request.args.get("trong", 10, type=int) or 0, 0), 100)
    grouping = _grouping()
    sections = svc.sign_in_sheet(event, grouping)
    svc.record_access(current_user, "sign_in_sheet", event)
    return render_template("invitations/sign_in_sheet.html", event=event, sections=sections,
                           blank_rows=range(blank), ward=svc.ward_settings(), grouping=grouping)


def _grouping() -> str:
    """?nhom=don-vi groups the sheet by unit; anything else is the default single list."""
    value = request.args.get("nhom", "ten")
    return value if value in svc.SHEET_GROUPINGS else "ten"


@bp.route("/su-kien/<int:event_id>/danh-sach-ky/danh-dau", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def sign_in_tick(event_id):
    event = _managed_event(event_id)
    form = forms.ActionForm()
    if form.validate_on_submit():
        ids = [int(v) for v in request.form.getlist("signed") if v.isdigit()]
        count = svc.tick_signed(event, ids, current_user)
        flash(_("%(count)s people marked as present.", count=count), "success")
        return redirect(url_for("invitations.sign_in_tick", event_id=event.id, nhom=_grouping()), 303)
    grouping = _grouping()
    return render_template("invitations/sign_in_tick.html", event=event, sections=svc.sign_in_sheet(event, grouping),
                           form=form, grouping=grouping)


@bp.route("/su-kien/<int:event_id>/bao-cao")
@role_required(Role.ORGANIZER)
def report(event_id):
    from markupsafe import Markup

    event = _managed_event(event_id)
    data = svc.attendance_report(event)
    svc.record_access(current_user, "attendance_report", event)
    chart = Markup(svc.report_chart_svg(data["totals"]))  # noqa: S704 - built by us with escaped labels
    return render_template("invitations/report.html", event=event, report=data, chart=chart)


@bp.route("/su-kien/<int:event_id>/bao-cao.xlsx")
@role_required(Role.ORGANIZER)
def report_xlsx(event_id):
    event = _managed_event(event_id)
    data = svc.report_xlsx(event)
    svc.record_access(current_user, "attendance_report", event, fmt="xlsx")
    return _xlsx(data, f"bao-cao-su-kien-{event.id}.xlsx")


ROLE_CHOICES = ROLES
