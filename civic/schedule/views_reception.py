"""Pages of the citizen reception schedule (lịch tiếp công dân): the public page, its ICS, and
the organizers' page for rules, days off and per-session changes. Registered on the schedule
blueprint (imported at the end of civic.schedule.views)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.forms import first_error, options
from civic.core.permissions import Role, public, role_required
from civic.core.timeutil import local_today
from civic.schedule import access
from civic.schedule.blueprint import bp
from civic.schedule.forms import (
    ReceptionDeleteForm,
    ReceptionHolidayForm,
    ReceptionOverrideForm,
    ReceptionRuleForm,
)
from civic.schedule.models import HolidayPolicy
from civic.schedule.services import reception
from civic.schedule.services.errors import ScheduleError


def _reception():
    return reception


@bp.get("/lich-tiep-cong-dan")
@public
def reception_index():
    svc = _reception()
    sessions = svc.upcoming_sessions()
    return render_template(
        "schedule/reception_index.html",
        next_session=svc.next_session(sessions=sessions),
        leaders=svc.by_leader(sessions),
        summaries={r.id: svc.rule_summary(r) for r in svc.list_rules()},
        weeks=svc.HORIZON_WEEKS,
    )


@bp.get("/lich-tiep-cong-dan.ics")
@public
def reception_ics():
    svc = _reception()
    body = svc.sessions_ics(svc.upcoming_sessions(weeks=26), _("Citizen reception schedule"))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="lich-tiep-cong-dan.ics"'})


def _rule_form(form):
    svc = _reception()
    form.post_id.choices = options([("", _("— Choose —"))] + [(str(p.id), p.label) for p in svc.reception_posts()])
    form.weekdays.choices = options(svc.weekday_labels())
    form.holiday_policy.choices = options(list(svc.policy_labels().items()))
    return form


def _manage_context(holiday_form=None, override_form=None) -> dict:
    svc = _reception()
    today = local_today()
    rules = svc.list_rules()
    return {
        "rules": rules,
        "summaries": {r.id: svc.rule_summary(r) for r in rules},
        "policies": svc.policy_labels(),
        "sessions": svc.upcoming_sessions(today),
        "extra_days": svc.list_extra_days(today.replace(month=1, day=1)),
        "overrides": svc.list_overrides(today),
        "holiday_form": holiday_form or ReceptionHolidayForm(),
        "override_form": _override_choices(override_form or ReceptionOverrideForm(), rules, svc),
        "delete_form": ReceptionDeleteForm(),
    }


def _override_choices(form, rules, svc):
    # A required select starts with an empty choice (HTML: the first option of a required select).
    form.rule_id.choices = options([("", _("— Choose —"))] + [(str(r.id), f"{r.post.label}: {svc.rule_summary(r)}")
                                                      for r in rules])
    return form


@bp.get("/lich-tiep-cong-dan/quan-ly")
@role_required(Role.ORGANIZER)
def reception_manage():
    return render_template("schedule/reception_manage.html", **_manage_context())


def _rule_input(form):
    svc = _reception()
    return svc.RuleInput(
        post_id=form.post_id.data, weekdays=list(form.weekdays.data or []), starts_at=form.starts_at.data,
        ends_at=form.ends_at.data, place=form.place.data or "", valid_from=form.valid_from.data,
        valid_until=form.valid_until.data, holiday_policy=form.holiday_policy.data, note=form.note.data or "")


def _edit_rule(rule):
    svc = _reception()
    form = _rule_form(ReceptionRuleForm(obj=rule))
    if request.method == "GET" and rule is not None:
        form.post_id.data = str(rule.post_id)
        form.weekdays.data = rule.weekday_numbers
    if request.method == "GET" and rule is None:
        form.valid_from.data = local_today()
        form.holiday_policy.data = HolidayPolicy.NEXT
    status = 200
    if form.validate_on_submit():
        try:
            saved = svc.save_rule(rule, _rule_input(form))
        except svc.ReceptionError as exc:
            flash(str(exc), "error")
            status = exc.status
        else:
            flash(_("The reception schedule is saved: %(rule)s.", rule=svc.rule_summary(saved)), "success")
            return redirect(url_for("schedule.reception_manage"))
    elif request.method == "POST":
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        status = 400
    return render_template("schedule/reception_rule.html", form=form, rule=rule), status


@bp.route("/lich-tiep-cong-dan/quan-ly/lich-moi", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def reception_rule_new():
    return _edit_rule(None)


def _managed(loader, object_id):
    try:
        return loader(current_user, object_id)
    except ScheduleError as exc:
        abort(exc.code)


def _rule_or_404(rule_id):
    return _managed(access.managed_rule, rule_id)


@bp.route("/lich-tiep-cong-dan/quan-ly/<int:rule_id>", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def reception_rule_edit(rule_id: int):
    return _edit_rule(_rule_or_404(rule_id))


@bp.post("/lich-tiep-cong-dan/quan-ly/<int:rule_id>/xoa")
@role_required(Role.ORGANIZER)
def reception_rule_delete(rule_id: int):
    rule = _rule_or_404(rule_id)
    if not ReceptionDeleteForm().validate_on_submit():
        abort(400)
    _reception().delete_rule(rule)
    flash(_("The reception schedule is deleted."), "success")
    return redirect(url_for("schedule.reception_manage"))


def _manage_error(message: str, status: int, **forms):
    flash(message, "error")
    return render_template("schedule/reception_manage.html", **_manage_context(**forms)), status


@bp.post("/lich-tiep-cong-dan/quan-ly/ngay-nghi")
@role_required(Role.ORGANIZER)
def reception_holiday_add():
    svc = _reception()
    form = ReceptionHolidayForm()
    if not form.validate_on_submit():
        return _manage_error(first_error(form) or _("Some of the information is not valid."), 400, holiday_form=form)
    try:
        extra = svc.add_extra_day(form.day.data, form.name.data or "")
    except svc.ReceptionError as exc:
        return _manage_error(str(exc), exc.status, holiday_form=form)
    flash(_("Day off added: %(name)s.", name=extra.name), "success")
    return redirect(url_for("schedule.reception_manage"))


@bp.post("/lich-tiep-cong-dan/quan-ly/ngay-nghi/<int:holiday_id>/xoa")
@role_required(Role.ORGANIZER)
def reception_holiday_delete(holiday_id: int):
    svc = _reception()
    extra = _managed(access.managed_holiday, holiday_id)
    if not ReceptionDeleteForm().validate_on_submit():
        abort(400)
    svc.delete_extra_day(extra)
    flash(_("The day off is removed."), "success")
    return redirect(url_for("schedule.reception_manage"))


@bp.post("/lich-tiep-cong-dan/quan-ly/dieu-chinh")
@role_required(Role.ORGANIZER)
def reception_override():
    svc = _reception()
    form = ReceptionOverrideForm()
    if not form.validate_on_submit():
        return _manage_error(first_error(form) or _("Some of the information is not valid."), 400, override_form=form)
    try:
        rule = access.managed_rule(current_user, form.rule_id.data)
        svc.set_override(rule, form.original_on.data, form.action.data, form.moved_to.data, form.reason.data or "")
    except ScheduleError as exc:  # an unknown schedule (404) or a broken rule (ReceptionError)
        return _manage_error(str(exc), exc.code, override_form=form)
    flash(_("The session is changed."), "success")
    return redirect(url_for("schedule.reception_manage"))


@bp.post("/lich-tiep-cong-dan/quan-ly/dieu-chinh/<int:override_id>/xoa")
@role_required(Role.ORGANIZER)
def reception_override_delete(override_id: int):
    svc = _reception()
    override = _managed(access.managed_override, override_id)
    if not ReceptionDeleteForm().validate_on_submit():
        abort(400)
    svc.delete_override(override)
    flash(_("The session is back on its usual day."), "success")
    return redirect(url_for("schedule.reception_manage"))
