"""Election pages: list, election page with timeline, where to vote, subscriptions, editors' pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import civic.elections.tasks  # noqa: F401  (registers the periodic reminder task and the reminders' listeners)
from civic.accounts.services import group_key
from civic.core.forms import first_error
from civic.core.pagecache import cached_page
from civic.core.permissions import Role, login_required, public, role_required
from civic.core.ratelimits import public_form_limit, recipient_cap
from civic.elections import access, labels, services
from civic.elections.errors import ConsentMissing, ElectionError, NotAllowed, NotVisible, UnknownGroup
from civic.elections.forms import (
    ConfirmForm,
    DeleteForm,
    ElectionForm,
    MilestoneForm,
    PollingAreaForm,
    ReminderTemplateForm,
    SmsCodeForm,
    SubscribeForm,
    TestSendForm,
    WhereToVoteForm,
)
from civic.privacy import services as privacy

bp = Blueprint("elections", __name__, url_prefix="/bau-cu")


def _load(loader, *args):
    """Run an access loader; its verdict becomes the page's 404 or 403."""
    try:
        return loader(*args)
    except NotVisible:
        abort(404)
    except NotAllowed:
        abort(403)


def _invalid(template: str, form, **context):
    flash(first_error(form) or _("Some of the information is not valid."), "error")
    return render_template(template, form=form, **context), 400


# --------------------------------------------------------------------------- residents


@bp.get("/")
@public
@cached_page(*services.PAGE_SCOPES)
def index():
    return render_template("elections/index.html", elections=services.list_elections(), hours_text=labels.hours_text)


@bp.get("/<int:election_id>")
@public
@cached_page(*services.PAGE_SCOPES, "news", args=("group",))
def detail(election_id):
    election = _load(access.viewable, election_id)
    return render_template(
        "elections/detail.html",
        election=election,
        bodies=labels.body_labels(election),
        hours=labels.hours_text(election),
        days_left=services.countdown_for(election),
        polling_today=election.polling_day == services.local_today(),
        timeline_state=labels.timeline_state,
        news=services.related_news(limit=5),
        form=WhereToVoteForm.for_visitor(request.args, current_user),
        today=services.local_today(),
    )


@bp.get("/<int:election_id>/bo-phieu-o-dau")
@public
@cached_page(*services.PAGE_SCOPES, args=("group",))
def where_to_vote(election_id):
    election = _load(access.viewable, election_id)
    form = WhereToVoteForm.for_visitor(request.args, current_user)
    result, status = None, 200
    if form.typed_group():
        try:
            result = services.where_to_vote(election, form.typed_group())
            form.group.data = group_key(result.group)  # "tổ 5" typed: the select shows Tổ dân phố số 5
        except UnknownGroup as exc:
            flash(str(exc), "error")
            form.group.errors = [str(exc)]
            status = 404
    page = render_template(
        "elections/where_to_vote.html", election=election, form=form, result=result, hours=labels.hours_text(election)
    )
    return page, status


@bp.route("/dang-ky-nhan-tin", methods=["GET", "POST"])
@public
@public_form_limit()  # each post may send an email or an SMS
@recipient_cap("email", "phone")
def subscribe():
    existing = access.own_subscription(current_user)
    form = SubscribeForm.for_user(current_user, existing)
    if form.validate_on_submit():
        try:
            result = services.subscribe(
                **form.to_data(),
                user=current_user if current_user.is_authenticated else None,
                consent=privacy.consent_from(form.consent.data),
            )
        except UnknownGroup as exc:
            flash(str(exc), "error")
            form.group.errors = [str(exc)]
            return render_template("elections/subscribe.html", form=form, existing=existing), 400
        except ElectionError as exc:
            flash(str(exc), "error")
            status = 422 if isinstance(exc, ConsentMissing) else 400
            return render_template("elections/subscribe.html", form=form, existing=existing), status
        flash(result.message, "success")
        if result.sms_sent:
            return redirect(url_for(".confirm_sms", reference=services.sms_reference(result.subscription)))
        return redirect(url_for(".subscribed"))
    if request.method == "POST":
        return _invalid("elections/subscribe.html", form, existing=existing)
    return render_template("elections/subscribe.html", form=form, existing=existing)


@bp.get("/dang-ky-nhan-tin/da-ghi-nhan")
@public
def subscribed():
    return render_template("elections/subscribed.html")


@bp.route("/xac-nhan/<token>", methods=["GET", "POST"])
@public
def confirm_email(token):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.confirm_email(token)
        except ElectionError as exc:
            flash(str(exc), "error")
            return render_template("elections/confirm_email.html", form=form, done=False), 400
        flash(_("Thank you: your email address is confirmed. You will receive election reminders."), "success")
        return render_template("elections/confirm_email.html", form=form, done=True)
    return render_template("elections/confirm_email.html", form=form, done=False)


@bp.route("/xac-nhan-sms/<reference>", methods=["GET", "POST"])
@public
def confirm_sms(reference):
    sub = _load(access.subscription_by_reference, reference)
    form = SmsCodeForm()
    if form.validate_on_submit():
        try:
            services.confirm_sms(sub, form.code.data)
        except ElectionError as exc:
            flash(str(exc), "error")
            return render_template("elections/confirm_sms.html", form=form, done=False), 400
        flash(_("Thank you: your phone number is confirmed. You will receive election reminders by SMS."), "success")
        return redirect(url_for(".confirm_sms", reference=reference), 303)
    if request.method == "POST":
        flash(first_error(form) or _("Enter the 6-digit code."), "error")
        return render_template("elections/confirm_sms.html", form=form, done=False), 400
    # Confirmed and no newer code waiting: a reload or a bookmark says so instead of asking again.
    done = sub.phone_confirmed_at is not None and sub.sms_code_hash is None
    return render_template("elections/confirm_sms.html", form=form, done=done)


@bp.post("/dang-ky-nhan-tin/huy")
@login_required
def cancel_subscription():
    form = DeleteForm()
    sub = access.own_subscription(current_user)
    if form.validate_on_submit() and sub is not None:
        services.cancel_subscription(sub)
        flash(_("You will no longer receive election reminders."), "success")
    return redirect(url_for(".subscribe"))


# --------------------------------------------------------------------------- editors


@bp.get("/quan-ly")
@role_required(Role.EDITOR)
def manage():
    return render_template("elections/manage.html", elections=services.list_elections())


@bp.route("/quan-ly/moi", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def create():
    form = ElectionForm.for_new()
    if form.validate_on_submit():
        try:
            election = services.create_election(form.to_data(), current_user, use_template=form.use_template.data)
        except ElectionError as exc:
            flash(str(exc), "error")
            return render_template("elections/election_form.html", form=form, election=None), 400
        flash(_("The election was created."), "success")
        return redirect(url_for(".edit", election_id=election.id))
    if request.method == "POST":
        return _invalid("elections/election_form.html", form, election=None)
    return render_template("elections/election_form.html", form=form, election=None)


def _edit_page(form, election, status=200):
    schedule = services.reminder_schedule(election)
    rows = labels.reminder_rows(schedule, services.sent_reminders(election))
    page = render_template(
        "elections/edit.html",
        form=form,
        election=election,
        milestone_label=labels.milestone_label,
        reminder_rows=rows,
        delete_form=DeleteForm(),
    )
    return page, status


@bp.route("/quan-ly/<int:election_id>", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def edit(election_id):
    election = _load(access.managed, current_user, election_id)
    form = ElectionForm.for_election(election)
    if form.validate_on_submit():
        try:
            services.update_election(election, form.to_data())
        except ElectionError as exc:
            flash(str(exc), "error")
            return _edit_page(form, election, 400)
        flash(_("The election was saved."), "success")
        return redirect(url_for(".edit", election_id=election.id))
    if request.method == "POST":
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return _edit_page(form, election, 400)
    return _edit_page(form, election)


@bp.post("/quan-ly/<int:election_id>/xoa")
@role_required(Role.EDITOR)
def delete(election_id):
    election = _load(access.managed, current_user, election_id)
    if DeleteForm().validate_on_submit():
        services.delete_election(election)
        flash(_("The election was deleted."), "success")
    return redirect(url_for(".manage"))


@bp.post("/quan-ly/<int:election_id>/mau-2021")
@role_required(Role.EDITOR)
def apply_template(election_id):
    election = _load(access.managed, current_user, election_id)
    if DeleteForm().validate_on_submit():
        services.apply_2021_template(election)
        flash(_("The milestones were filled from the 2021 election calendar."), "success")
    return redirect(url_for(".edit", election_id=election.id))


@bp.route("/quan-ly/<int:election_id>/moc/moi", methods=["GET", "POST"])
@bp.route("/quan-ly/<int:election_id>/moc/<int:milestone_id>", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def milestone(election_id, milestone_id=None):
    if milestone_id is None:
        election, item = _load(access.managed, current_user, election_id), None
    else:
        election, item = _load(access.managed_milestone, current_user, election_id, milestone_id)
    form = MilestoneForm.for_milestone(item)
    context = {"election": election, "item": item}
    if form.validate_on_submit():
        try:
            services.save_milestone(election, form.to_data(), item)
        except ElectionError as exc:
            flash(str(exc), "error")
            return render_template("elections/milestone_form.html", form=form, **context), 400
        flash(_("The milestone was saved."), "success")
        return redirect(url_for(".edit", election_id=election.id))
    if request.method == "POST":
        return _invalid("elections/milestone_form.html", form, **context)
    return render_template("elections/milestone_form.html", form=form, **context)


@bp.post("/quan-ly/<int:election_id>/moc/<int:milestone_id>/xoa")
@role_required(Role.EDITOR)
def delete_milestone(election_id, milestone_id):
    election, item = _load(access.managed_milestone, current_user, election_id, milestone_id)
    if DeleteForm().validate_on_submit():
        services.delete_milestone(election, item)
        flash(_("The milestone was deleted."), "success")
    return redirect(url_for(".edit", election_id=election.id))


@bp.route("/quan-ly/<int:election_id>/khu-vuc/moi", methods=["GET", "POST"])
@bp.route("/quan-ly/<int:election_id>/khu-vuc/<int:area_id>", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def area(election_id, area_id=None):
    if area_id is None:
        election, item = _load(access.managed, current_user, election_id), None
    else:
        election, item = _load(access.managed_area, current_user, election_id, area_id)
    form = PollingAreaForm.for_area(item)
    context = {"election": election, "item": item}
    if form.validate_on_submit():
        try:
            services.save_polling_area(election, form.to_data(), item)
        except ElectionError as exc:
            flash(str(exc), "error")
            return render_template("elections/area_form.html", form=form, **context), 400
        flash(_("The polling area was saved."), "success")
        return redirect(url_for(".edit", election_id=election.id))
    if request.method == "POST":
        return _invalid("elections/area_form.html", form, **context)
    return render_template("elections/area_form.html", form=form, **context)


@bp.post("/quan-ly/<int:election_id>/khu-vuc/<int:area_id>/xoa")
@role_required(Role.EDITOR)
def delete_area(election_id, area_id):
    election, item = _load(access.managed_area, current_user, election_id, area_id)
    if DeleteForm().validate_on_submit():
        services.delete_area(election, item)
        flash(_("The polling area was deleted."), "success")
    return redirect(url_for(".edit", election_id=election.id))


def _reminder_page(form, election, status=200, error=None):
    preview = None
    if status == 200 and error is None:
        try:
            preview = services.preview_reminder(election)
        except ElectionError as exc:
            error = str(exc)
    page = render_template(
        "elections/reminder_template.html",
        form=form,
        election=election,
        preview=preview,
        preview_error=error,
        placeholders=services.REMINDER_PLACEHOLDERS,
        test_form=TestSendForm(),
    )
    return page, status


@bp.route("/quan-ly/<int:election_id>/tin-nhac", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def reminder_template(election_id):
    election = _load(access.managed, current_user, election_id)
    form = ReminderTemplateForm.for_election(election)
    if form.validate_on_submit():
        try:
            services.update_reminder_texts(election, form.to_data())
        except ElectionError as exc:
            flash(str(exc), "error")
            return _reminder_page(form, election, 400)
        flash(_("The reminder text was saved."), "success")
        return redirect(url_for(".reminder_template", election_id=election.id))
    if request.method == "POST":
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return _reminder_page(form, election, 400)
    return _reminder_page(form, election)


@bp.post("/quan-ly/<int:election_id>/tin-nhac/gui-thu")
@role_required(Role.EDITOR)
def test_send(election_id):
    election = _load(access.managed, current_user, election_id)
    if not TestSendForm().validate_on_submit():
        abort(400)
    try:
        services.send_test_reminder(election, current_user)
    except ElectionError as exc:
        flash(str(exc), "error")
        return _reminder_page(ReminderTemplateForm.for_election(election), election, 400, error=str(exc))
    flash(_("A test reminder was sent to %(email)s.", email=current_user.email), "success")
    return redirect(url_for(".reminder_template", election_id=election.id))
