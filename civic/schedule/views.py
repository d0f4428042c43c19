"""Pages of the weekly work schedule: the public week, a leader's week, print, .docx, ICS,
Atom, and the editor (draft, copy, recurring items, publish, revise, cancel)."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.config import ward_settings
from civic.core.forms import first_error, options
from civic.core.permissions import any_role_required, public
from civic.invitations import services as inv
from civic.invitations.services import current_holding, get_contact, get_post
from civic.schedule import (
    access,
    forms,
    views_reception,  # noqa: F401  (its routes are on the same blueprint)
)
from civic.schedule.access import EDITORS
from civic.schedule.blueprint import bp
from civic.schedule.services import ScheduleError, legal_basis_labels, reception, session_labels
from civic.schedule.services import outputs as out
from civic.schedule.services import weeks as svc

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _internal() -> bool:
    return access.can_edit(current_user)


def _week_context(year: int, week: int, number: int | None = None) -> dict:
    if not svc.valid_week(year, week):
        abort(404)
    row = access.viewable_week(current_user, year, week)
    internal = _internal()
    views, shown = [], None
    if row is not None:
        if number is not None:
            rev = svc.get_revision(row, number) if row.is_published else None
            if rev is None:
                abort(404)
            views, shown = rev.snapshot, number
        else:
            views, shown = [out.item_view(i) for i in row.items], row.revision
    ward = ward_settings(current_app.config)
    prev, nxt = svc.shift_week(year, week, -1), svc.shift_week(year, week, 1)
    from datetime import date

    monday = date.fromisocalendar(year, week, 1)
    fake = row or type("W", (), {"monday": monday, "sunday": date.fromisocalendar(year, week, 7), "iso_week": week})()
    days = out.days(fake, views, internal)
    today = next((d for d in days if d["is_today"] and d["items"]), None)
    title, subtitle = out.week_heading(fake, ward["ward_name"])
    return {"week": row, "year": year, "week_no": week, "days": days, "today": today, "title": title,
            "subtitle": subtitle, "revision": shown, "revision_label": out.revision_label(shown or 0),
            "latest": number is None, "prev": prev, "next": nxt, "ward": ward, "sessions": session_labels(),
            "revisions": row.revisions if row is not None and row.is_published else [],
            "monday": monday, "sunday": fake.sunday, "can_edit": internal}


@bp.get("/lich-cong-tac")
@public
def current():
    year, week = svc.this_week()
    return render_template("schedule/week.html", **_week_context(year, week), reception_next=_next_reception())


def _next_reception():
    return reception.next_session()


@bp.get("/lich-cong-tac/<int:year>/tuan-<int:week>")
@public
def week(year, week):
    shown = (year, week) == svc.this_week()
    return render_template("schedule/week.html", **_week_context(year, week),
                           reception_next=_next_reception() if shown else None)


@bp.get("/lich-cong-tac/<int:year>/tuan-<int:week>/lan-<int:number>")
@public
def revision(year, week, number):
    return render_template("schedule/week.html", **_week_context(year, week, number))


@bp.get("/lich-cong-tac/<int:year>/tuan-<int:week>/ban-in")
@public
def printable(year, week):
    ctx = _week_context(year, week)
    if ctx["week"] is None:
        abort(404)
    if ctx["can_edit"]:
        out.record_staff_export(current_user, ctx["week"], "print", sum(len(d["items"]) for d in ctx["days"]))
    return render_template("schedule/print.html", **ctx)


@bp.get("/lich-cong-tac/<int:year>/tuan-<int:week>/lich-cong-tac.docx")
@public
def docx(year, week):
    ctx = _week_context(year, week)
    row = ctx["week"]
    if row is None:
        abort(404)
    views = [v for d in ctx["days"] for v in d["items"]]
    data = out.docx_bytes(row, views, ctx["ward"], row.revision)
    if ctx["can_edit"]:
        out.record_staff_export(current_user, row, "docx", len(views))
    name = f"lich-cong-tac-tuan-{week:02d}-{year}.docx"
    return Response(data, mimetype=DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _post_or_404(post_id):
    post = get_post(post_id)
    if post is None:
        abort(404)
    return post


@bp.get("/lich-cong-tac/chuc-vu/<int:post_id>")
@public
def post_week(post_id):
    post = _post_or_404(post_id)
    year, week = svc.this_week()
    weeks = [w for w in (svc.get_week(*svc.shift_week(year, week, k)) for k in (0, 1)) if w and w.is_published]
    items = out.post_items(post.id, weeks, _internal())
    holding = current_holding(post)
    return render_template("schedule/post.html", post=post, holder=holding.contact if holding else None,
                           items=[out.item_view(i) for i in items])


@bp.get("/lich-cong-tac/chuc-vu/<int:post_id>.ics")
@public
def post_ics(post_id):
    post = _post_or_404(post_id)
    items = out.post_items(post.id, svc.published_weeks(12))
    return Response(out.ics_bytes(post.label, items), mimetype="text/calendar")


@bp.get("/lich-cong-tac/nguoi/<int:contact_id>.ics")
@public
def person_ics(contact_id):
    contact = get_contact(contact_id)
    if contact is None:
        abort(404)
    items = out.person_items(contact, svc.published_weeks(12))
    return Response(out.ics_bytes(contact.full_name, items), mimetype="text/calendar")


@bp.get("/lich-cong-tac.ics")
@public
def ics():
    items = [i for w in svc.published_weeks(12) for i in w.items if i.is_public]
    return Response(out.ics_bytes(_("Leaders' work schedule"), items), mimetype="text/calendar")


@bp.get("/lich-cong-tac/feed.atom")
@public
def feed():
    body = render_template("schedule/feed.atom", weeks=svc.published_weeks(20), ward=ward_settings(current_app.config),
                           heading=out.week_heading, revision_label=out.revision_label)
    return Response(body, mimetype="application/atom+xml")


# --------------------------------------------------------------------------- editor


@bp.route("/lich-cong-tac/quan-ly", methods=["GET", "POST"])
@any_role_required(*EDITORS)
def manage():
    form = forms.ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        year, week = svc.coming_week()
        try:
            row = svc.create_week(year, week, current_user)
        except ScheduleError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".manage")), 303
        return redirect(url_for(".edit", week_id=row.id)), 303
    coming = svc.coming_week()
    return render_template("schedule/manage.html", weeks=svc.list_weeks(), form=form,
                           coming=coming, coming_exists=svc.get_week(*coming) is not None)


def _managed_week(week_id):
    try:
        return access.managed_week(current_user, week_id)
    except ScheduleError as exc:
        abort(exc.code)


def _managed_item(week_id, item_id):
    try:
        return access.managed_item(current_user, week_id, item_id)
    except ScheduleError as exc:
        abort(exc.code)


def _choices(form):
    posts = [(p.id, p.label) for p in inv.list_posts()]
    if hasattr(form, "chairs"):
        form.chairs.choices = options(posts)
    form.posts.choices = options(posts)
    form.groups.choices = options([(g.id, g.name) for g in inv.list_contact_groups()])
    if hasattr(form, "participants_legal_basis"):
        form.participants_legal_basis.choices = options(list(legal_basis_labels().items()))
    form.contacts.choices = options([(c.id, f"{c.full_name} – {c.position}" if c.position else c.full_name)
                             for c in inv.list_contacts()])


def _data(form, item=None) -> svc.ItemData:
    """The form's input; for an existing ``item``, what the form has no field for (a linked
    event, free-text participants) is kept as it is."""
    pairs = ([("post", i) for i in form.posts.data or []] + [("group", i) for i in form.groups.data or []]
             + [("contact", i) for i in form.contacts.data or []]
             + [("unit", line) for line in (form.units.data or "").splitlines()])
    own_event_id = None
    if item is not None:
        kept = svc.item_data(item)
        pairs += [(kind, value) for kind, value in kept.participants if kind == "text"]
        own_event_id = kept.own_event_id
    return svc.ItemData(own_event_id=own_event_id,day=form.day.data, start=form.start.data, end=form.end.data, content=form.content.data,
                        place=form.place.data or "", preparing_unit=form.preparing_unit.data or "",
                        participants_note=form.participants_note.data or "",
                        participants_legal_basis=form.participants_legal_basis.data or "public_duty",
                        separate_letter=form.separate_letter.data, is_public=form.is_public.data,
                        chair_post_ids=form.chairs.data or [], participants=pairs)


def _editor(row, form, status=200):
    return render_template("schedule/edit.html", week=row, form=form, action=forms.ActionForm(),
                           publish=forms.PublishForm(), views=[out.item_view(i) for i in row.items],
                           title=out.week_heading(row, ward_settings(current_app.config)["ward_name"])), status


@bp.route("/lich-cong-tac/quan-ly/<int:week_id>", methods=["GET", "POST"])
@any_role_required(*EDITORS)
def edit(week_id):
    row = _managed_week(week_id)
    form = forms.ItemForm()
    _choices(form)
    if request.method == "GET":
        form.version.data = row.version
        form.day.data = row.monday
        return _editor(row, form)
    if not form.validate_on_submit():
        flash(first_error(form), "error")
        return _editor(row, form, 400)
    try:
        svc.add_item(row, _data(form), current_user, form.version.data)
    except ScheduleError as exc:
        flash(str(exc), "error")
        row = _managed_week(week_id)
        form.version.data = row.version  # their entries are shown again; saving again goes through
        return _editor(row, form, exc.code)
    flash(_("The item is saved."), "success")
    return redirect(url_for(".edit", week_id=row.id)), 303


@bp.route("/lich-cong-tac/quan-ly/<int:week_id>/muc/<int:item_id>", methods=["GET", "POST"])
@any_role_required(*EDITORS)
def item(week_id, item_id):
    row, found = _managed_item(week_id, item_id)
    form = forms.ItemForm(obj=None)
    _choices(form)
    cancel = forms.CancelForm()
    if request.method == "GET":
        data = svc.item_data(found)
        form.version.data = cancel.version.data = row.version
        for name in ("day", "start", "end", "content", "place", "preparing_unit", "participants_note",
                     "participants_legal_basis", "separate_letter", "is_public"):
            getattr(form, name).data = getattr(data, name)
        form.chairs.data = data.chair_post_ids
        for name, kind in (("posts", "post"), ("groups", "group"), ("contacts", "contact")):
            getattr(form, name).data = [v for k, v in data.participants if k == kind]
        form.units.data = "\n".join(v for k, v in data.participants if k == "unit")
        return _item_page(row, found, 200, form=form, cancel=cancel)
    status = 200
    if not form.validate_on_submit():
        flash(first_error(form), "error")
        status = 400
    else:
        try:
            svc.update_item(found, _data(form, found), current_user, form.version.data)
            flash(_("The item is saved."), "success")
            return redirect(url_for(".edit", week_id=row.id)), 303
        except ScheduleError as exc:
            flash(str(exc), "error")
            status = exc.code
            row, found = _managed_item(week_id, item_id)
            form.version.data = row.version  # entries kept; saving again goes through
    return _item_page(row, found, status, form=form, cancel=cancel)


def _item_page(row, found, status, form=None, cancel=None, adding=None):
    if form is None:
        form = forms.ItemForm(formdata=None)
        _choices(form)
    cancel = cancel or forms.CancelForm(formdata=None)
    if adding is None:
        adding = forms.ParticipantsForm(formdata=None)
        _choices(adding)
    cancel.version.data = adding.version.data = row.version
    return render_template("schedule/item.html", week=row, item=found, form=form, cancel=cancel,
                           adding=adding), status


@bp.post("/lich-cong-tac/quan-ly/<int:week_id>/muc/<int:item_id>/huy")
@any_role_required(*EDITORS)
def cancel(week_id, item_id):
    row, found = _managed_item(week_id, item_id)
    form = forms.CancelForm()
    if not form.validate_on_submit():
        flash(first_error(form) or _("Give the reason for cancelling, so readers know why."), "error")
        return redirect(url_for(".item", week_id=row.id, item_id=found.id)), 303
    try:
        svc.cancel_item(found, form.reason.data, current_user, form.version.data)
        flash(_("The item is cancelled."), "success")
    except ScheduleError as exc:
        flash(str(exc), "error")
    return redirect(url_for(".edit", week_id=row.id)), 303


@bp.post("/lich-cong-tac/quan-ly/<int:week_id>/<any('sao-chep', 'dinh-ky', 'ban-hanh'):action>")
@any_role_required(*EDITORS)
def act(week_id, action):
    row = _managed_week(week_id)
    form = forms.PublishForm() if action == "ban-hanh" else forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if action == "sao-chep":
            n = svc.copy_last_week(row, None, current_user, form.version.data)
            flash(_("%(n)s items copied from last week.", n=n), "success")
        elif action == "dinh-ky":
            n = svc.generate_recurring(row, current_user, form.version.data)
            flash(_("%(n)s recurring items added.", n=n), "success")
        else:
            n = svc.publish(row, current_user, form.version.data, form.replaces_letters.data)
            flash(_("The week is published. %(n)s people were sent their invitation.", n=n), "success")
    except ScheduleError as exc:  # an empty week, a race: said on the page, with a 4xx
        flash(str(exc), "error")
        form = forms.ItemForm(formdata=None)
        _choices(form)
        row = _managed_week(week_id)
        form.version.data, form.day.data = row.version, row.monday
        return _editor(row, form, exc.code)
    return redirect(url_for(".edit", week_id=row.id)), 303


@bp.post("/lich-cong-tac/quan-ly/<int:week_id>/muc/<int:item_id>/thanh-phan")
@any_role_required(*EDITORS)
def add_participants(week_id, item_id):
    """Add participants to an item; on a published week only they are invited."""
    row, found = _managed_item(week_id, item_id)
    form = forms.ParticipantsForm()
    _choices(form)
    if not form.validate_on_submit():
        abort(400)
    pairs = ([("post", i) for i in form.posts.data or []] + [("group", i) for i in form.groups.data or []]
             + [("contact", i) for i in form.contacts.data or []])
    try:
        n = svc.add_participants(found, pairs, current_user, form.version.data)
    except ScheduleError as exc:
        flash(str(exc), "error")
        row, found = _managed_item(week_id, item_id)
        return _item_page(row, found, exc.code, adding=form)
    flash(_("%(n)s participants added.", n=n), "success")
    return redirect(url_for(".item", week_id=row.id, item_id=found.id)), 303

