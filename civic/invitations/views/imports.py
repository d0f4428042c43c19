"""Importing a contacts file: upload, the queued analysis's preview, choosing columns, confirming."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.forms import first_error, options
from civic.core.permissions import Role, role_required
from civic.invitations import access, forms, labels
from civic.invitations import services as svc
from civic.invitations.importer import ACCEPT, FIELDS, describe_changes, field_labels
from civic.invitations.models import ImportJobState, RowAction
from civic.invitations.views.blueprint import bp, group_choices


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


@bp.route("/danh-ba/nhap/<job_id>")
@role_required(Role.ORGANIZER)
def import_preview(job_id):
    return _preview(access.import_job(current_user, job_id))


def _preview(job, confirm=None, status=None):
    report = job.get("report")
    buckets: dict[str, list] = {action: [] for action in RowAction}
    if report:
        for row in report["rows"]:
            buckets[row["action"]].append(row)
    for row in buckets[RowAction.UPDATE]:
        row["changes_text"] = describe_changes(row.get("changes") or [])
    if confirm is None:
        confirm = forms.ImportConfirmForm(formdata=None)
    confirm.group_id.choices = options(group_choices(_("No group")))
    confirm.legal_basis.choices = options(list(labels.legal_basis_labels().items()))
    return render_template(
        "invitations/import_preview.html", job=job, state=labels.import_state_flags(job["state"]), report=report,
        buckets=buckets, labels=field_labels(), sections=_sections(),
        fields=[""] + list(FIELDS), form=forms.ActionForm(), confirm=confirm,
        can_write=bool(buckets[RowAction.CREATE] or buckets[RowAction.UPDATE] or buckets[RowAction.UNCHANGED]),
        columns=[(i, h, (report or {}).get("mapping", {}).get(str(i), "")) for i, h in enumerate((report or {}).get("headers", []))],
        preview_limit=300,
    ), status or (422 if job["state"] == ImportJobState.ERROR else 200)


def _sections() -> list[tuple[str, str, bool]]:
    """The preview's tables of rows to write: (action, title, with the changed fields)."""
    return [(RowAction.CREATE, _("New contacts"), False), (RowAction.UPDATE, _("Contacts to update"), True),
            (RowAction.UNCHANGED, _("Unchanged"), False)]


@bp.route("/danh-ba/nhap/<job_id>/trang-thai.json")
@role_required(Role.ORGANIZER)
def import_status(job_id):
    job = access.import_job(current_user, job_id)
    return jsonify({"state": job["state"], "progress": job.get("progress", 0), "error": job.get("error")})


@bp.post("/danh-ba/nhap/<job_id>/cot")
@role_required(Role.ORGANIZER)
def import_remap(job_id):
    access.import_job(current_user, job_id)
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
    job = access.import_job(current_user, job_id)
    form = forms.ImportConfirmForm()
    form.legal_basis.choices = options(list(labels.legal_basis_labels().items()))
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

