"""Election pages: list, election page with timeline, where to vote, subscriptions, editors' pages."""

from __future__ import annotations

from datetime import time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import civic.elections.tasks  # noqa: F401  (registers the periodic reminder task)
from civic.accounts.services import group_choices, group_key, list_groups
from civic.core.forms import first_error
from civic.core.pagecache import cached_page
from civic.core.permissions import Role, login_required, public, role_required
from civic.core.ratelimits import public_form_limit, recipient_cap
from civic.elections import services
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
from civic.elections.services import ElectionError, UnknownGroup
from civic.privacy import services as privacy

bp = Blueprint("elections", __name__, url_prefix="/bau-cu")


def _election_or_404(election_id):
    election = services.get_election(election_id)
    if election is None:
        abort(404)
    return election


def _group_choices():
    # Values are group keys (the number, "5"), which resolve_group reads as the group numbered 5.
    return [("", _("Choose…"))] + group_choices()


def _profile_group_key():
    group = getattr(current_user, "residential_group", None) if current_user.is_authenticated else None
    return group_key(group) if group is not None else None


# --------------------------------------------------------------------------- residents


@bp.get("/")
@public
@cached_page(*services.PAGE_SCOPES)
def index():
    return render_template("elections/index.html", elections=services.list_elections(), services=services)


@bp.get("/<int:election_id>")
@public
@cached_page(*services.PAGE_SCOPES, "news", args=("group",))
def detail(election_id):
    election = _election_or_404(election_id)
    form = WhereToVoteForm(request.args, meta={"csrf": False})
    form.group.choices = _group_choices()
    profile_group = _profile_group_key()
    if profile_group and not form.group.data:
        form.group.data = profile_group
    return render_template(
        "elections/detail.html",
        election=election,
        bodies=services.body_labels(election),
        hours=services.hours_text(election),
        days_left=services.countdown_for(election),
        milestone_label=services.milestone_label,
        news=services.related_news(limit=5),
        form=form,
        today=services.local_today(),
    )


@bp.get("/<int:election_id>/bo-phieu-o-dau")
@public
@cached_page(*services.PAGE_SCOPES, args=("group",))
def where_to_vote(election_id):
    election = _election_or_404(election_id)
    form = WhereToVoteForm(request.args, meta={"csrf": False})
    form.group.choices = _group_choices()
    group = request.args.get("group", "").strip()
    if not group:
        group = _profile_group_key() or ""
        form.group.data = group
    result = None
    status = 200
    if group:
        try:
            result = services.where_to_vote(election, group)
            form.group.data = group_key(result.group)  # "tổ 5" typed: the select shows Tổ dân phố số 5
        except UnknownGroup as exc:
            flash(str(exc), "error")
            form.group.errors = [str(exc)]
            status = 404
    return (
        render_template(
            "elections/where_to_vote.html",
            election=election,
            form=form,
            result=result,
            hours=services.hours_text(election),
        ),
        status,
    )


@bp.route("/dang-ky-nhan-tin", methods=["GET", "POST"])
@public
@public_form_limit()  # each post may send an email or an SMS
@recipient_cap("email", "phone")
def subscribe():
    form = SubscribeForm()
    form.group.choices = _group_choices()
    existing = services.subscription_for_user(current_user)
    if request.method == "GET" and current_user.is_authenticated:
        form.name.data = current_user.full_name
        form.email.data = current_user.email
        form.phone.data = current_user.phone or ""
        if current_user.residential_group_id:
            form.group.data = _profile_group_key()
        form.channels.data = existing.channels if existing else ["email"]
    if form.validate_on_submit():
        try:
            result = services.subscribe(
                email=form.email.data,
                phone=form.phone.data,
                group=form.group.data,
                channels=form.channels.data,
                name=form.name.data,
                user=current_user if current_user.is_authenticated else None,
                consent=privacy.consent_from(form.consent.data),
            )
        except UnknownGroup as exc:
            flash(str(exc), "error")
            form.group.errors = [str(exc)]
            return render_template("elections/subscribe.html", form=form, existing=existing), 400
        except ElectionError as exc:
            flash(str(exc), "error")
            status = 422 if isinstance(exc, services.ConsentMissing) else 400
            return render_template("elections/subscribe.html", form=form, existing=existing), status
        flash(result.message, "success")
        if result.sms_sent:
            return redirect(url_for(".confirm_sms", reference=services.sms_reference(result.subscription)))
        return redirect(url_for(".subscribed"))
    if request.method == "POST":
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return render_template("elections/subscribe.html", form=form, existing=existing), 400
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
    sub = services.subscription_from_reference(reference)
    if sub is None:
        abort(404)
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
    sub = services.subscription_for_user(current_user)
    if form.validate_on_submit() and sub is not None:
        services.cancel_subscription(sub)
        flash(_("You will no longer receive election reminders."), "success")
    return redirect(url_for(".subscribe"))


# --------------------------------------------------------------------------- editors


@bp.get("/quan-ly")
@role_required(Role.EDITOR)
def manage():
    return render_template("elections/manage.html", elections=services.list_elections())


def _election_data(form: ElectionForm) -> dict:
    return {
        "name": form.name.data,
        "polling_day": form.polling_day.data,
        "polls_open": form.polls_open.data,
        "polls_close": form.polls_close.data,
        "bodies": form.bodies.data,
        "what_to_bring": form.what_to_bring.data,
        "description": form.description.data,
    }


@bp.route("/quan-ly/moi", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def create():
    form = ElectionForm()
    if request.method == "GET":
        form.polls_open.data, form.polls_close.data = time(7, 0), time(19, 0)
        form.use_template.data = True
        form.what_to_bring.data = "Thẻ cử tri và căn cước công dân."
    if form.validate_on_submit():
        try:
            election = services.create_election(_election_data(form), current_user, use_template=form.use_template.data)
        except ElectionError as exc:
            flash(str(exc), "error")
            return render_template("elections/election_form.html", form=form, election=None), 400
        flash(_("The election was created."), "success")
        return redirect(url_for(".edit", election_id=election.id))
    if request.method == "POST":
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return render_template("elections/election_form.html", form=form, election=None), 400
    return render_template("elections/election_form.html", form=form, election=None)


@bp.route("/quan-ly/<int:election_id>", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def edit(election_id):
    election = _election_or_404(election_id)
    form = ElectionForm(obj=election)
    del form.use_template
    status = 200
    if form.validate_on_submit():
        try:
            services.update_election(election, _election_data(form))
        except ElectionError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash(_("The election was saved."), "success")
            return redirect(url_for(".edit", election_id=election.id))
    elif request.method == "POST":
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        status = 400
    return (
        render_template(
            "elections/edit.html",
            form=form,
            election=election,
            milestone_label=services.milestone_label,
            reminders=services.sent_reminders(election),
            schedule=services.reminder_schedule(election),
            delete_form=DeleteForm(),
        ),
        status,
    )


@bp.post("/quan-ly/<int:election_id>/xoa")
@role_required(Role.EDITOR)
def delete(election_id):
    election = _election_or_404(election_id)
    if DeleteForm().validate_on_submit():
        services.delete_election(election)
        flash(_("The election was deleted."), "success")
    return redirect(url_for(".manage"))


@bp.post("/quan-ly/<int:election_id>/mau-2021")
@role_required(Role.EDITOR)
def apply_template(election_id):
    election = _election_or_404(election_id)
    if DeleteForm().validate_on_submit():
        services.apply_2021_template(election)
        flash(_("The milestones were filled from the 2021 election calendar."), "success")
    return redirect(url_for(".edit", election_id=election.id))


@bp.route("/quan-ly/<int:election_id>/moc/moi", methods=["GET", "POST"])
@bp.route("/quan-ly/<int:election_id>/moc/<int:milestone_id>", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def milestone(election_id, milestone_id=None):
    election = _election_or_404(election_id)
    item = None
    if milestone_id is not None:
        item = services.get_milestone(election, milestone_id)
        if item is None:
            abort(404)
    form = MilestoneForm(obj=item)
    if form.validate_on_submit():
        try:
            services.save_milestone(
                election,
                {"kind": form.kind.data, "day": form.day.data, "title": form.title.data, "text": form.text.data},
                item,
            )
        except ElectionError as exc:
            flash(str(exc), "error")
            return render_template("elections/milestone_form.html", form=form, election=election, item=item), 400
        flash(_("The milestone was saved."), "success")
        return redirect(url_for(".edit", election_id=election.id))
    if request.method == "POST":
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return render_template("elections/milestone_form.html", form=form, election=election, item=item), 400
    return render_template("elections/milestone_form.html", form=form, election=election, item=item)


@bp.post("/quan-ly/<int:election_id>/moc/<int:milestone_id>/xoa")
@role_required(Role.EDITOR)
def delete_milestone(election_id, milestone_id):
    election = _election_or_404(election_id)
    item = services.get_milestone(election, milestone_id)
    if item is None:
        abort(404)
    if DeleteForm().validate_on_submit():
        services.delete_milestone(election, item)
        flash(_("The milestone was deleted."), "success")
    return redirect(url_for(".edit", election_id=election.id))


@bp.route("/quan-ly/<int:election_id>/khu-vuc/moi", methods=["GET", "POST"])
@bp.route("/quan-ly/<int:election_id>/khu-vuc/<int:area_id>", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def area(election_id, area_id=None):
    election = _election_or_404(election_id)
    item = None
    if area_id is not None:
        item = services.get_area(election, area_id)
        if item is None:
            abort(404)
    form = PollingAreaForm(obj=item)
    form.group_ids.choices = [(g.id, g.name) for g in list_groups()]
    if request.method == "GET" and item is not None:
        form.group_ids.data = [link.group_id for link in item.links]
    if form.validate_on_submit():
        try:
            services.save_polling_area(
                election,
                {
                    "number": form.number.data,
                    "station_name": form.station_name.data,
                    "station_address": form.station_address.data,
                    "map_url": form.map_url.data,
                    "group_ids": form.group_ids.data,
                },
                item,
            )
        except ElectionError as exc:
            flash(str(exc), "error")
            return render_template("elections/area_form.html", form=form, election=election, item=item), 400
        flash(_("The polling area was saved."), "success")
        return redirect(url_for(".edit", election_id=election.id))
    if request.method == "POST":
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return render_template("elections/area_form.html", form=form, election=election, item=item), 400
    return render_template("elections/area_form.html", form=form, election=election, item=item)


@bp.post("/quan-ly/<int:election_id>/khu-vuc/<int:area_id>/xoa")
@role_required(Role.EDITOR)
def delete_area(election_id, area_id):
    election = _election_or_404(election_id)
    item = services.get_area(election, area_id)
    if item is None:
        abort(404)
    if DeleteForm().validate_on_submit():
        services.delete_area(election, item)
        flash(_("The polling area was deleted."), "success")
    return redirect(url_for(".edit", election_id=election.id))


@bp.route("/quan-ly/<int:election_id>/tin-nhac", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def reminder_template(election_id):
    election = _election_or_404(election_id)
    form = ReminderTemplateForm(obj=election)
    status = 200
    if form.validate_on_submit():
        data = {
            "name": election.name,
            "polling_day": election.polling_day,
            "polls_open": election.polls_open,
            "polls_close": election.polls_close,
            "bodies": election.bodies,
            "what_to_bring": election.what_to_bring,
            "description": election.description,
            "reminder_subject": form.reminder_subject.data,
            "reminder_body": form.reminder_body.data,
            "reminder_sms": form.reminder_sms.data,
        }
        try:
            services.update_election(election, data)
        except ElectionError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash(_("The reminder text was saved."), "success")
            return redirect(url_for(".reminder_template", election_id=election.id))
    elif request.method == "POST":
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        status = 400
    preview, preview_error = None, None
    if status == 200:
        try:
            preview = services.preview_reminder(election)
        except ElectionError as exc:
            preview_error = str(exc)
    return (
        render_template(
            "elections/reminder_template.html",
            form=form,
            election=election,
            preview=preview,
            preview_error=preview_error,
            placeholders=services.REMINDER_PLACEHOLDERS,
            test_form=TestSendForm(),
        ),
        status,
    )


@bp.post("/quan-ly/<int:election_id>/tin-nhac/gui-thu")
@role_required(Role.EDITOR)
def test_send(election_id):
    election = _election_or_404(election_id)
    if not TestSendForm().validate_on_submit():
        abort(400)
    try:
        services.send_test_reminder(election, current_user)
    except ElectionError as exc:
        flash(str(exc), "error")
        form = ReminderTemplateForm(obj=election)
        return (
            render_template(
                "elections/reminder_template.html",
                form=form,
                election=election,
                preview=None,
                preview_error=str(exc),
                placeholders=services.REMINDER_PLACEHOLDERS,
                test_form=TestSendForm(),
            ),
            400,
        )
    flash(_("A test reminder was sent to %(email)s.", email=current_user.email), "success")
    return redirect(url_for(".reminder_template", election_id=election.id))
