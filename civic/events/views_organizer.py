"""The organizer's pages: their events, creating, editing and cancelling one, its answers,
exports and a message to those registered. Every page loads its event with access.managed."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.forms import first_error
from civic.core.permissions import Role, role_required
from civic.core.text import slugify
from civic.core.timeutil import utcnow
from civic.events import access, services
from civic.events.blueprint import bp
from civic.events.charts import by_group_svg, over_time_svg
from civic.events.forms import CancelEventForm, EventForm, MessageForm

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _actor():
    return current_user._get_current_object()


@bp.get("/quan-ly")
@role_required(Role.ORGANIZER)
def manage():
    now = utcnow()
    events = services.managed_events(current_user)
    rows = [(event, services.event_badge(event, now), services.event_flags(event)) for event in events]
    return render_template("events/manage.html", events=events, rows=rows, categories=services.category_labels())


def _save(form: EventForm, event=None):
    """Validate and save the event form; a redirect to its answers, or the status to answer with."""
    if not form.validate():
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return 422
    try:
        upload = form.cover_upload()
        data = form.to_data(cover_image=services.save_cover(upload) if upload else None)
        if event is None:
            event = services.create_event(_actor(), data)
        else:
            services.update_event(event, _actor(), data)
    except services.EventError as exc:
        flash(str(exc), "error")
        return exc.status
    flash(_("The event has been saved."), "success")
    return redirect(url_for("events.answers", event_id=event.id), 303)


def _edit_page(form: EventForm, event, status: int):
    return render_template("events/edit.html", form=form, event=event), status


@bp.route("/quan-ly/moi", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def create():
    groups = services.list_groups()
    if request.method == "GET":
        return _edit_page(EventForm.for_new(groups=groups), None, 200)
    form = EventForm(groups=groups)
    outcome = _save(form)
    return outcome if not isinstance(outcome, int) else _edit_page(form, None, outcome)


@bp.route("/quan-ly/<int:event_id>/sua", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def edit(event_id: int):
    event = access.managed(current_user, event_id)
    groups = services.list_groups()
    if request.method == "GET":
        return _edit_page(EventForm.for_event(event, groups=groups), event, 200)
    form = EventForm(groups=groups)
    outcome = _save(form, event)
    return outcome if not isinstance(outcome, int) else _edit_page(form, event, outcome)


@bp.route("/quan-ly/<int:event_id>/huy", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def cancel(event_id: int):
    event = access.managed(current_user, event_id)
    form = CancelEventForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                services.cancel_event(event, _actor(), form.reason.data or "")
            except services.EventError as exc:
                flash(str(exc), "error")
                status = exc.status
            else:
                flash(_("The event has been cancelled and those who answered have been told."), "success")
                return redirect(url_for("events.answers", event_id=event.id), 303)
        else:
            status = 400
    return render_template("events/cancel.html", event=event, form=form), status


def _answers_page(event, message_form=None, status: int = 200):
    data = services.chart_data(event)
    return render_template(
        "events/answers.html",
        event=event,
        counts=services.counts(event),
        rsvps=services.answer_list(event),
        statuses=services.status_labels(),
        responses=services.response_labels(),
        seats_left=services.seats_left(event),
        chart_time=over_time_svg(data["over_time"]),
        chart_groups=by_group_svg(data["by_group"]),
        message_form=message_form or MessageForm(),
    ), status


@bp.get("/quan-ly/<int:event_id>")
@role_required(Role.ORGANIZER)
def answers(event_id: int):
    event = access.managed(current_user, event_id)
    services.record_answers_access(current_user, event, "answers_view")
    return _answers_page(event)


def _download(body: bytes, mimetype: str, event, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    services.record_answers_access(current_user, event, "answers_export", extension)
    response.headers["Content-Disposition"] = f'attachment; filename="tra-loi-{slugify(event.title)[:40]}.{extension}"'
    return response


@bp.get("/quan-ly/<int:event_id>/tra-loi.csv")
@role_required(Role.ORGANIZER)
def export_csv(event_id: int):
    event = access.managed(current_user, event_id)
    return _download(services.export_csv(event), "text/csv; charset=utf-8", event, "csv")


@bp.get("/quan-ly/<int:event_id>/tra-loi.xlsx")
@role_required(Role.ORGANIZER)
def export_xlsx(event_id: int):
    event = access.managed(current_user, event_id)
    return _download(services.export_xlsx(event), XLSX_MIMETYPE, event, "xlsx")


@bp.post("/quan-ly/<int:event_id>/nhan-tin")
@role_required(Role.ORGANIZER)
def message(event_id: int):
    event = access.managed(current_user, event_id)
    form = MessageForm()
    if not form.validate():
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return _answers_page(event, form, 422)
    try:
        services.message_attendees(event, _actor(), form.subject.data, form.body.data)
    except services.EventError as exc:
        flash(str(exc), "error")
        return _answers_page(event, form, exc.status)
    flash(_("Your message is being sent to everyone who is registered."), "success")
    return redirect(url_for("events.answers", event_id=event.id), 303)
