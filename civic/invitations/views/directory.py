"""The directory of leaders: contacts (one by one and in bulk), groups, posts and hand-overs, the export."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.accounts.services import list_groups
from civic.core.forms import first_error, options
from civic.core.permissions import Role, role_required
from civic.invitations import access, forms, labels
from civic.invitations import services as svc
from civic.invitations.models import GroupChange
from civic.invitations.views.blueprint import bp, group_choices, xlsx_response


@bp.route("/danh-ba")
@role_required(Role.ORGANIZER)
def contacts():
    q = request.args.get("q", "").strip()[:100]
    group_id = request.args.get("nhom", type=int)
    return _directory(q, group_id, forms.BulkGroupForm(formdata=None))


def _directory(q: str, group_id: int | None, bulk, status: int = 200, ticked=()):
    people = svc.list_contacts(q=q or None, group_id=group_id)
    bulk.group_id.choices = options(group_choices(_("Choose a group")))
    bulk.q.data, bulk.nhom.data = q, group_id or ""
    return render_template("invitations/contacts.html", contacts=people, q=q, group_id=group_id,
                           groups=svc.list_contact_groups(), bulk=bulk, ticked=set(ticked),
                           basis_labels=labels.legal_basis_labels(), source_label=labels.source_label), status


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
        if form.action.data == GroupChange.REMOVE:
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
    form.groups.choices = options([(g.id, g.name) for g in svc.list_contact_groups() if not g.is_post_based])
    form.legal_basis.choices = options(list(labels.legal_basis_labels().items()))
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
    contact = access.contact(contact_id)
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
                           source=labels.source_label(contact) if contact else None), status


@bp.post("/danh-ba/<int:contact_id>/xoa")
@role_required(Role.ORGANIZER)
def contact_delete(contact_id):
    contact = access.contact(contact_id)
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
    return xlsx_response(data, "danh-ba.xlsx")


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


def _holder_choices(people, blank: bool) -> list:
    pairs = [(c.id, f"{c.full_name} – {c.position}" if c.position else c.full_name) for c in people]
    return options(([("", _("— Choose —"))] if blank else []) + pairs)


def _posts_page(form, status: int = 200):
    """The posts page: the new-post form, and on each post a hand-over form that starts on nobody."""
    hand_over = forms.HandOverForm(formdata=None)
    hand_over.contact.choices = _holder_choices(svc.list_contacts(), blank=True)
    # Holdings are loaded with the posts: the open one is the current holder (no query per post).
    rows = [(p, next((h for h in p.holdings if h.ended_on is None), None)) for p in svc.list_posts()]
    return render_template("invitations/posts.html", form=form, hand_over=hand_over, rows=rows), status


def _post_form():
    form = forms.PostForm()
    form.residential_group.choices = options([(0, _("Whole ward"))] + [(g.id, g.name) for g in list_groups()])
    form.contact.choices = _holder_choices(svc.list_contacts(), blank=False)
    return form


@bp.route("/danh-ba/chuc-danh", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def posts():
    form = _post_form()
    status = 200
    if form.validate_on_submit():
        try:
            svc.create_post(form.title.data, form.residential_group.data or None, form.contact.data, form.started_on.data)
        except svc.InvitationError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash(_("The post has been saved."), "success")
            return redirect(url_for("invitations.posts"))
    elif request.method == "POST":
        status = 400
        flash(first_error(form) or _("Some of the information is not valid."), "error")
    return _posts_page(form, status)


@bp.post("/danh-ba/chuc-danh/<int:post_id>/ban-giao")
@role_required(Role.ORGANIZER)
def post_hand_over(post_id):
    post = access.post(post_id)
    form = forms.HandOverForm()
    form.contact.choices = _holder_choices(svc.list_contacts(), blank=True)
    if not form.validate_on_submit():
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return _posts_page(_post_form(), 400)
    try:
        svc.hand_over(post, svc.get_contact(form.contact.data), form.started_on.data, form.note.data or "",
                      new_holder_only=True)
    except svc.InvitationError as exc:
        flash(str(exc), "error")
        return _posts_page(_post_form(), 409 if isinstance(exc, svc.Conflict) else 400)
    flash(_("The post has been handed over."), "success")
    return redirect(url_for("invitations.posts")), 303
    try:
        svc.hand_over(post, svc.get_contact(form.contact.data), form.started_on.data, form.note.data or "")
    except svc.InvitationError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The post has been handed over."), "success")
    return redirect(url_for("invitations.posts")), 303

