"""Event pages: calendar, event page with answers, personal links, organizer pages."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from civic.accounts.services import UnknownGroupError, group_key, resolve_group
from civic.core import ratelimits
from civic.core.db import reads_first
from civic.core.errors import abort_with
from civic.core.forms import first_error
from civic.core.pagecache import cached_page
from civic.core.permissions import Role, public, role_required
from civic.core.text import slugify
from civic.core.timeutil import local_to_utc, to_local, utcnow
from civic.events import services, tasks  # noqa: F401  (tasks registers the reminder job)
from civic.events.forms import (
    CancelEventForm,
    CancelRsvpForm,
    EventForm,
    LinkRequestForm,
    MessageForm,
    RsvpForm,
    category_choices,
)
from civic.events.ics import event_ics, feed_ics, google_calendar_url
from civic.events.models import Audience, EventCategory, EventStatus, RsvpStatus
from civic.privacy import services as privacy

bp = Blueprint("events", __name__, url_prefix="/su-kien")


# --------------------------------------------------------------------------- helpers


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        abort_with(400, _("The filter is not valid."))
    if value < 1 or value > 2**31 - 1:
        abort_with(400, _("The filter is not valid."))
    return value


def _filters() -> dict:
    category = request.args.get("category") or None
    if category and category not in set(EventCategory):
        abort_with(400, _("The filter is not valid."))
    return {"category": category, "group_id": _int_arg("group")}


def _filter_context(filters: dict) -> dict:
    return {
        "categories": services.category_labels(),
        "groups": services.list_groups(),
        "filters": filters,
    }


def _event_or_404(event_id: int):
    event = services.get_event(event_id)
    if event is None or not services.can_view_event(current_user, event):
        abort(404)
    return event


def _managed_or_403(event_id: int):
    event = services.get_event(event_id)
    if event is None:
        abort(404)
    if not services.can_manage_event(current_user, event):
        abort(403)
    return event


def _user():
    return current_user if current_user.is_authenticated else None


# --------------------------------------------------------------------------- calendar


@bp.get("/")
@public
@cached_page(*services.PAGE_SCOPES, args=("category", "group", "page"))
def index():
    filters = _filters()
    page = services.list_events(page=_int_arg("page") or 1, **filters)
    return render_template("events/index.html", page=page, past=False, **_filter_context(filters))


@bp.get("/da-dien-ra")
@public
@cached_page(*services.PAGE_SCOPES, args=("category", "group", "page"))
def past():
    filters = _filters()
    page = services.list_events(past=True, page=_int_arg("page") or 1, **filters)
    return render_template("events/index.html", page=page, past=True, **_filter_context(filters))


@bp.get("/thang")
@bp.get("/thang/<int:year>/<int:month>")
@public
@cached_page(*services.PAGE_SCOPES, args=("category", "group"))
def month(year: int | None = None, month: int | None = None):
    if year is None or month is None:
        today = to_local(utcnow())
        year, month = today.year, today.month
    filters = _filters()
    try:
        view = services.month_view(year, month, **filters)
    except services.EventError as exc:
        abort_with(exc.status, str(exc))
    return render_template("events/month.html", view=view, **_filter_context(filters))


# --------------------------------------------------------------------------- event page and answers


def _detail_context(event, form=None, link_form=None) -> dict:
    user = _user()
    own = services.user_rsvp(event, user)
    if form is None:
        form = RsvpForm()
    all_groups = services.list_groups()
    form.group.choices = [("", _("— Choose —"))] + [
        (group_key(g, all_groups), g.name) for g in (event.groups if event.audience == Audience.GROUPS else all_groups)
    ]
    closed_reason = None
    try:
        services.check_open(event)
    except services.EventError as exc:
        closed_reason = str(exc)
    return {
        "event": event,
        "form": form,
        "own": own,
        "own_position": services.waitlist_position(own) if own else None,
        "lunar": services.lunar_label(event),
        "seats_left": services.seats_left(event),
        "closed_reason": closed_reason,
        "changes": [(c, services.describe_change(c)) for c in services.change_log(event)],
        "google_url": google_calendar_url(event),
        "can_manage": services.can_manage_event(user, event),
        "categories": services.category_labels(),
        "audiences": services.audience_labels(),
        "questions": list(enumerate(event.questions or [], start=1)),
        "is_multi_day": to_local(event.starts_at).date() != to_local(event.ends_at).date(),
        "link_form": link_form or LinkRequestForm(formdata=None),
        "share": services.share_tags(event),
    }


# Answers this browser gave as a guest (ids in the signed session cookie): sending the same
# form again leads back to that answer's page instead of "already answered".
OWN_ANSWERS = "rsvp_own"
OWN_ANSWERS_KEPT = 20


def _too_many(exc: services.EventError):
    ratelimits.too_many(str(exc), exc.retry_after or 60)


@bp.get("/<int:event_id>")
@bp.get("/<int:event_id>-<slug>")
@public
@cached_page(*services.EVENT_PAGE_SCOPES)
def detail(event_id: int, slug: str | None = None):
    event = _event_or_404(event_id)
    if slug != event.slug:
        return redirect(url_for("events.detail", event_id=event.id, slug=event.slug), 301)
    return render_template("events/detail.html", **_detail_context(event))


def group_id_from(typed, status: int = 422) -> int | None:
    """The tổ dân phố chosen or typed ("5", "tổ 5", "TDP 05"); nothing chosen -> None."""
    if typed is None or str(typed).strip() in ("", "0"):
        return None
    try:
        return resolve_group(typed).id
    except UnknownGroupError as exc:
        raise services.EventError(str(exc), status) from exc


def _answer_from_form(form: RsvpForm, event) -> services.Answer:
    answers = {}
    for i, question in enumerate(event.questions or [], start=1):
        value = getattr(form, f"answer_{i}").data if i <= 5 else None
        if value:
            answers[question] = value
    return services.Answer(
        response=form.response.data,
        guests=form.guests.data or 0,
        name=form.name.data or "",
        phone=form.phone.data,
        email=form.email.data,
        group_id=group_id_from(form.group.data),
        answers=answers,
    )


@bp.get("/<int:event_id>/tra-loi")
@bp.get("/<int:event_id>/gui-lai-duong-dan")
@public
def rsvp_form(event_id: int):
    """An old bookmark or a typed address of a form's target: back to the event's answer form."""
    event = _event_or_404(event_id)
    return redirect(url_for("events.detail", event_id=event.id, slug=event.slug, _anchor="tra-loi"), 303)


@bp.post("/<int:event_id>/tra-loi")
@public
@ratelimits.public_form_limit()
@reads_first
def rsvp(event_id: int):
    event = _event_or_404(event_id)
    user = _user()
    form = RsvpForm()
    form.group.choices = [("", "")]
    if not form.validate():
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return render_template("events/detail.html", **_detail_context(event, form=form)), 422
    own = [i for i in session.get(OWN_ANSWERS, []) if isinstance(i, int)]
    try:
        result = services.answer_event(event, _answer_from_form(form, event), user=user,
                                       client=ratelimits.client_key(), own_ids=own,
                                       consent=privacy.consent_from(form.consent.data))
    except services.AlreadyAnswered as exc:
        if exc.own:
            # This browser gave that answer a moment ago (a double click, a re-sent form):
            # back to its own page; nothing changed, nothing sent.
            flash(_("Your answer was already recorded; nothing has been changed."), "success")
            token = services.make_token(services.get_rsvp(exc.rsvp_id))
            return redirect(url_for("events.manage_rsvp", event_id=event.id, token=token), 303)
        # Nothing changed, and the other answer's link is never shown here.
        flash(str(exc), "warning")
        return render_template("events/detail.html", **_detail_context(event, form=form)), exc.status
    except services.EventError as exc:
        if exc.status == 429:
            _too_many(exc)
        flash(str(exc), "error")
        return render_template("events/detail.html", **_detail_context(event, form=form)), exc.status
    # POST/redirect/GET: the person who answered lands on their own personal page (its address
    # is the link we also send them), so a reload or a bookmark never posts again.
    if result.created and user is None:
        session[OWN_ANSWERS] = (own + [result.rsvp.id])[-OWN_ANSWERS_KEPT:]
    if result.created:
        flash(_("Thank you, %(name)s: your answer has been recorded.", name=result.rsvp.name), "success")
    else:
        flash(_("Your answer has been updated."), "success")
    return redirect(url_for("events.manage_rsvp", event_id=event.id, token=services.make_token(result.rsvp)), 303)


@bp.post("/<int:event_id>/gui-lai-duong-dan")
@public
@ratelimits.public_form_limit()
def request_link(event_id: int):
    """"I lost my link": sent again to the contact on file; the page says the same either way."""
    event = _event_or_404(event_id)
    form = LinkRequestForm()
    try:
        if not form.validate():
            raise services.EventError(first_error(form) or _("Some of the information is not valid."), 422)
        services.request_link(event, phone=form.phone.data, email=form.email.data, client=ratelimits.client_key())
    except services.EventError as exc:
        if exc.status == 429:
            _too_many(exc)
        flash(str(exc), "error")
        return render_template("events/detail.html", **_detail_context(event, link_form=form)), exc.status
    flash(_("If an answer to this event was given with this phone number or email address, "
            "we have sent its personal link there again."), "success")
    return redirect(url_for("events.detail", event_id=event.id, slug=event.slug, _anchor="tra-loi"), 303)


@bp.route("/<int:event_id>/cau-tra-loi/<token>", methods=["GET", "POST"])
@public
@ratelimits.public_form_limit()
def manage_rsvp(event_id: int, token: str):
    """The personal link from the confirmation: change or cancel an answer, no account needed."""
    event = _event_or_404(event_id)
    try:
        rsvp = services.rsvp_from_token(event.id, token)
    except services.EventError as exc:
        abort_with(exc.status, str(exc))
    form = RsvpForm(obj=None)
    cancel_form = CancelRsvpForm()
    status = 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "cancel":
                if not cancel_form.validate():
                    abort_with(400, first_error(cancel_form) or _("Some of the information is not valid."))
                services.cancel_rsvp(rsvp)
                flash(_("Your answer is now: not coming. Thank you for letting us know."), "success")
                return redirect(url_for("events.manage_rsvp", event_id=event.id, token=token), 303)
            form.group.choices = [("", "")]
            if not form.validate():
                raise services.EventError(first_error(form) or _("Some of the information is not valid."), 422)
            answer = _answer_from_form(form, event)
            # The link identifies the person: keep who they are, change what they answer.
            answer.name = answer.name or rsvp.name
            answer.phone = rsvp.phone
            answer.email = rsvp.email
            answer.group_id = answer.group_id or rsvp.residential_group_id
            services.answer_event(event, answer, rsvp=rsvp, user=rsvp.user, client=ratelimits.client_key())
            flash(_("Your answer has been updated."), "success")
            return redirect(url_for("events.manage_rsvp", event_id=event.id, token=token), 303)
        except services.EventError as exc:
            if exc.status == 429:
                _too_many(exc)
            flash(str(exc), "error")
            status = exc.status
    if request.method == "GET":
        # The field's default (0) would otherwise hide the guests already counted.
        form.guests.data = rsvp.guests
    if request.method == "GET" or status != 200:
        form.response.data = form.response.data or rsvp.response
        form.guests.data = rsvp.guests if form.guests.data is None else form.guests.data
        form.name.data = form.name.data or rsvp.name
    all_groups = services.list_groups()
    form.group.choices = [("", _("— Choose —"))] + [(group_key(g, all_groups), g.name) for g in all_groups]
    form.group.data = form.group.data or (group_key(rsvp.residential_group, all_groups) if rsvp.residential_group else "")
    closed_reason = None
    try:
        services.check_open(event)
    except services.EventError as exc:
        closed_reason = str(exc)
    html = render_template(
        "events/manage_rsvp.html",
        event=event,
        rsvp=rsvp,
        form=form,
        cancel_form=cancel_form,
        token=token,
        position=services.waitlist_position(rsvp),
        status_text=services._status_text(rsvp),
        closed_reason=closed_reason,
        questions=list(enumerate(event.questions or [], start=1)),
        manage_url=services.manage_url(rsvp),
        privacy_url=_privacy_url(rsvp),
        google_url=google_calendar_url(event),
        can_add_to_calendar=rsvp.status in (RsvpStatus.CONFIRMED, RsvpStatus.TENTATIVE, RsvpStatus.WAITLISTED),
    )
    response = Response(html, status)
    # The address is a secret: no shared caches, and no referrer beyond this site.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _privacy_url(rsvp) -> str | None:
    """"My personal data" from the personal link: for the address the link was sent to."""
    identity = privacy.identity_of_link(rsvp.email, rsvp.phone)
    if not identity:
        return None
    return url_for("privacy.mine", token=privacy.identity_token(identity, "link"))


# --------------------------------------------------------------------------- calendar exchange


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/<int:event_id>.ics")
@public
def event_calendar(event_id: int):
    event = _event_or_404(event_id)
    return _ics_response(event_ics(event), f"{event.slug or 'su-kien'}.ics")


@bp.get("/lich.ics")
@public
def ics_feed():
    return _ics_response(feed_ics(services.feed_events(), _("Ward events")), "lich-su-kien.ics")


@bp.get("/lich/<category>.ics")
@public
def category_feed(category: str):
    if category not in set(EventCategory):
        abort(404)
    name = f"{_('Ward events')}: {services.category_labels()[category]}"
    return _ics_response(feed_ics(services.feed_events(category), name), f"lich-{category}.ics")


@bp.get("/anh/<path:name>")
@public
def cover(name: str):
    return send_from_directory(services.cover_dir(), name, max_age=86400)


# --------------------------------------------------------------------------- organizer pages


@bp.get("/quan-ly")
@role_required(Role.ORGANIZER)
def manage():
    events = services.managed_events(current_user)
    return render_template("events/manage.html", events=events, now=utcnow(), categories=services.category_labels())


def _fill_form_choices(form: EventForm) -> None:
    form.category.choices = category_choices()
    form.groups.choices = [(g.id, g.name) for g in services.list_groups()]


def _data_from_form(form: EventForm, event=None) -> services.EventData:
    cover = None
    if form.cover.data and getattr(form.cover.data, "filename", ""):
        cover = services.save_cover(form.cover.data)
    return services.EventData(
        title=form.title.data or "",
        description=form.description.data or "",
        starts_at=local_to_utc(form.starts_at.data) if form.starts_at.data else None,
        ends_at=local_to_utc(form.ends_at.data) if form.ends_at.data else None,
        venue_name=form.venue_name.data or "",
        venue_address=form.venue_address.data or "",
        map_url=form.map_url.data or None,
        category=form.category.data,
        audience=form.audience.data,
        group_ids=list(form.groups.data or []),
        capacity=form.capacity.data,
        rsvp_deadline=local_to_utc(form.rsvp_deadline.data) if form.rsvp_deadline.data else None,
        allow_guests=bool(form.allow_guests.data),
        max_guests=form.max_guests.data or 0,
        questions=(form.questions.data or "").splitlines(),
        reminder_minutes_before=form.reminder_hours.data * 60 if form.reminder_hours.data else None,
        status=form.status.data,
        cover_image=cover,
    )


@bp.route("/quan-ly/moi", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def create():
    form = EventForm()
    _fill_form_choices(form)
    status = 200
    if request.method == "GET":
        start = (to_local(utcnow()) + timedelta(days=7)).replace(hour=8, minute=0, second=0, microsecond=0)
        form.starts_at.data = start.replace(tzinfo=None)
        form.ends_at.data = (start + timedelta(hours=2)).replace(tzinfo=None)
    elif form.validate():
        try:
            event = services.create_event(current_user._get_current_object(), _data_from_form(form))
        except services.EventError as exc:
            flash(str(exc), "error")
            status = exc.status
        else:
            flash(_("The event has been saved."), "success")
            return redirect(url_for("events.answers", event_id=event.id), 303)
    else:
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        status = 422
    return render_template("events/edit.html", form=form, event=None), status


@bp.route("/quan-ly/<int:event_id>/sua", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def edit(event_id: int):
    event = _managed_or_403(event_id)
    form = EventForm()
    _fill_form_choices(form)
    status = 200
    if request.method == "GET":
        form.title.data = event.title
        form.description.data = services.description_source(event)
        form.starts_at.data = to_local(event.starts_at).replace(tzinfo=None)
        form.ends_at.data = to_local(event.ends_at).replace(tzinfo=None)
        form.venue_name.data = event.venue_name
        form.venue_address.data = event.venue_address
        form.map_url.data = event.map_url
        form.category.data = event.category
        form.audience.data = event.audience
        form.groups.data = [g.id for g in event.groups]
        form.capacity.data = event.capacity
        form.rsvp_deadline.data = to_local(event.rsvp_deadline).replace(tzinfo=None) if event.rsvp_deadline else None
        form.allow_guests.data = event.allow_guests
        form.max_guests.data = event.max_guests
        form.questions.data = "\n".join(event.questions or [])
        form.reminder_hours.data = event.reminder_minutes_before // 60 if event.reminder_minutes_before else None
        form.status.data = event.status if event.status != EventStatus.CANCELLED else EventStatus.PUBLISHED
    elif form.validate():
        try:
            services.update_event(event, current_user._get_current_object(), _data_from_form(form, event))
        except services.EventError as exc:
            flash(str(exc), "error")
            status = exc.status
        else:
            flash(_("The event has been saved."), "success")
            return redirect(url_for("events.answers", event_id=event.id), 303)
    else:
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        status = 422
    return render_template("events/edit.html", form=form, event=event), status


@bp.route("/quan-ly/<int:event_id>/huy", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def cancel(event_id: int):
    event = _managed_or_403(event_id)
    form = CancelEventForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                services.cancel_event(event, current_user._get_current_object(), form.reason.data or "")
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
    from civic.events.charts import by_group_svg, over_time_svg

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
        confirmed=RsvpStatus.CONFIRMED,
    ), status


@bp.get("/quan-ly/<int:event_id>")
@role_required(Role.ORGANIZER)
def answers(event_id: int):
    event = _managed_or_403(event_id)
    services.record_answers_access(current_user, event, "answers_view")
    return _answers_page(event)


@bp.get("/quan-ly/<int:event_id>/tra-loi.csv")
@role_required(Role.ORGANIZER)
def export_csv(event_id: int):
    event = _managed_or_403(event_id)
    response = Response(services.export_csv(event), mimetype="text/csv; charset=utf-8")
    services.record_answers_access(current_user, event, "answers_export", "csv")
    response.headers["Content-Disposition"] = f'attachment; filename="tra-loi-{slugify(event.title)[:40]}.csv"'
    return response


@bp.get("/quan-ly/<int:event_id>/tra-loi.xlsx")
@role_required(Role.ORGANIZER)
def export_xlsx(event_id: int):
    event = _managed_or_403(event_id)
    response = Response(
        services.export_xlsx(event),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    services.record_answers_access(current_user, event, "answers_export", "xlsx")
    response.headers["Content-Disposition"] = f'attachment; filename="tra-loi-{slugify(event.title)[:40]}.xlsx"'
    return response


@bp.post("/quan-ly/<int:event_id>/nhan-tin")
@role_required(Role.ORGANIZER)
def message(event_id: int):
    event = _managed_or_403(event_id)
    form = MessageForm()
    if not form.validate():
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return _answers_page(event, form, 422)
    try:
        services.message_attendees(event, current_user._get_current_object(), form.subject.data, form.body.data)
    except services.EventError as exc:
        flash(str(exc), "error")
        return _answers_page(event, form, exc.status)
    flash(_("Your message is being sent to everyone who is registered."), "success")
    return redirect(url_for("events.answers", event_id=event.id), 303)
