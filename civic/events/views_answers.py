"""The event page and answering it: the answer form, "I lost my link", the personal link's page."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.core import ratelimits
from civic.core.db import reads_first
from civic.core.errors import abort_with
from civic.core.forms import first_error, options
from civic.core.pagecache import cached_page
from civic.core.permissions import public
from civic.core.timeutil import to_local
from civic.events import access, services
from civic.events.blueprint import bp
from civic.events.forms import CancelRsvpForm, LinkRequestForm, RsvpForm
from civic.events.ics import google_calendar_url
from civic.events.models import Audience
from civic.events.views_common import (
    closed_reason,
    group_choices,
    group_id_from,
    group_key_of,
    too_many,
    user,
)
from civic.privacy import services as privacy

# Answers this browser gave as a guest (ids in the signed session cookie): sending the same
# form again leads back to that answer's page instead of "already answered".
OWN_ANSWERS = "rsvp_own"
OWN_ANSWERS_KEPT = 20


def _detail_context(event, form=None, link_form=None) -> dict:
    who = user()
    own = services.user_rsvp(event, who)
    changes = event.changes if isinstance(event, services.EventPage) else services.change_log(event)
    form = RsvpForm() if form is None else form
    form.group.choices = options(group_choices(event.groups if event.audience == Audience.GROUPS else None))
    return {
        "event": event,
        "form": form,
        "own": own,
        "own_flags": services.answer_flags(own) if own else None,
        "own_position": services.waitlist_position(own) if own else None,
        "lunar": services.lunar_label(event),
        "seats_left": services.seats_left(event),
        "closed_reason": closed_reason(event),
        "changes": [(c, services.describe_change(c)) for c in changes],
        "google_url": google_calendar_url(event),
        "can_manage": services.can_manage_event(who, event),
        "categories": services.category_labels(),
        "audiences": services.audience_labels(),
        "flags": services.event_flags(event),
        "questions": list(enumerate(event.questions or [], start=1)),
        "is_multi_day": to_local(event.starts_at).date() != to_local(event.ends_at).date(),
        "link_form": link_form or LinkRequestForm(formdata=None),
        "share": services.share_tags(event),
    }


def _detail_page(event, status: int = 200, **forms):
    return render_template("events/detail.html", **_detail_context(event, **forms)), status


@bp.get("/<int:event_id>")
@bp.get("/<int:event_id>-<slug>")
@public
@cached_page(*services.EVENT_PAGE_SCOPES)
def detail(event_id: int, slug: str | None = None):
    event = access.viewable_page(current_user, event_id)
    if slug != event.slug:
        return redirect(url_for("events.detail", event_id=event.id, slug=event.slug), 301)
    return render_template("events/detail.html", **_detail_context(event))


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


def _to_answer_page(event, rsvp):
    return redirect(url_for("events.manage_rsvp", event_id=event.id, token=services.make_token(rsvp)), 303)


@bp.get("/<int:event_id>/tra-loi")
@bp.get("/<int:event_id>/gui-lai-duong-dan")
@public
def rsvp_form(event_id: int):
    """An old bookmark or a typed address of a form's target: back to the event's answer form."""
    event = access.viewable(current_user, event_id)
    return redirect(url_for("events.detail", event_id=event.id, slug=event.slug, _anchor="tra-loi"), 303)


@bp.post("/<int:event_id>/tra-loi")
@public
@ratelimits.public_form_limit()
@reads_first
def rsvp(event_id: int):
    event = access.viewable(current_user, event_id)
    who = user()
    form = RsvpForm()
    form.group.choices = options([("", "")])
    if not form.validate():
        flash(first_error(form) or _("Some of the information is not valid."), "error")
        return _detail_page(event, 422, form=form)
    own = [i for i in session.get(OWN_ANSWERS, []) if isinstance(i, int)]
    try:
        result = services.answer_event(event, _answer_from_form(form, event), user=who,
                                       client=ratelimits.client_key(), own_ids=own,
                                       consent=privacy.consent_from(form.consent.data))
    except services.AlreadyAnswered as exc:
        if exc.own:
            # This browser gave that answer a moment ago (a double click, a re-sent form):
            # back to its own page; nothing changed, nothing sent.
            flash(_("Your answer was already recorded; nothing has been changed."), "success")
            return _to_answer_page(event, services.get_rsvp(exc.rsvp_id))
        # Nothing changed, and the other answer's link is never shown here.
        flash(str(exc), "warning")
        return _detail_page(event, exc.status, form=form)
    except services.EventError as exc:
        if exc.status == 429:
            too_many(exc)
        flash(str(exc), "error")
        if exc.field in form:
            form[exc.field].errors = [*form[exc.field].errors, str(exc)]  # beside the field to fill
        return _detail_page(event, exc.status, form=form)
    # POST/redirect/GET: the person who answered lands on their own personal page (its address
    # is the link we also send them), so a reload or a bookmark never posts again.
    if result.created and who is None:
        session[OWN_ANSWERS] = (own + [result.rsvp.id])[-OWN_ANSWERS_KEPT:]
    if result.created:
        flash(_("Thank you, %(name)s: your answer has been recorded.", name=result.rsvp.name), "success")
    else:
        flash(_("Your answer has been updated."), "success")
    return _to_answer_page(event, result.rsvp)


@bp.post("/<int:event_id>/gui-lai-duong-dan")
@public
@ratelimits.public_form_limit()
def request_link(event_id: int):
    """"I lost my link": sent again to the contact on file; the page says the same either way."""
    event = access.viewable(current_user, event_id)
    form = LinkRequestForm()
    try:
        if not form.validate():
            raise services.EventError(first_error(form) or _("Some of the information is not valid."), 422)
        services.request_link(event, phone=form.phone.data, email=form.email.data, client=ratelimits.client_key())
    except services.EventError as exc:
        if exc.status == 429:
            too_many(exc)
        flash(str(exc), "error")
        return _detail_page(event, exc.status, link_form=form)
    flash(_("If an answer to this event was given with this phone number or email address, "
            "we have sent its personal link there again."), "success")
    return redirect(url_for("events.detail", event_id=event.id, slug=event.slug, _anchor="tra-loi"), 303)


def _change_answer(event, rsvp, form: RsvpForm, cancel_form: CancelRsvpForm) -> str:
    """The personal link's POST: cancel, or change the answer; returns the flash message."""
    if request.form.get("action") == "cancel":
        if not cancel_form.validate():
            abort_with(400, first_error(cancel_form) or _("Some of the information is not valid."))
        services.cancel_rsvp(rsvp)
        return _("Your answer is now: not coming. Thank you for letting us know.")
    form.group.choices = options([("", "")])
    if not form.validate():
        raise services.EventError(first_error(form) or _("Some of the information is not valid."), 422)
    answer = _answer_from_form(form, event)
    # The link identifies the person: keep who they are, change what they answer.
    answer.name = answer.name or rsvp.name
    answer.phone = rsvp.phone
    answer.email = rsvp.email
    answer.group_id = answer.group_id or rsvp.residential_group_id
    services.answer_event(event, answer, rsvp=rsvp, user=rsvp.user, client=ratelimits.client_key())
    return _("Your answer has been updated.")


def _fill_from_answer(form: RsvpForm, rsvp, failed: bool) -> None:
    """Show the answer on file (on GET), or keep what was typed over it (after an error)."""
    if not failed:
        # The field's default (0) would otherwise hide the guests already counted.
        form.guests.data = rsvp.guests
    form.response.data = form.response.data or rsvp.response
    form.guests.data = rsvp.guests if form.guests.data is None else form.guests.data
    form.name.data = form.name.data or rsvp.name


def _answer_page(event, rsvp, token: str, form: RsvpForm, cancel_form: CancelRsvpForm, status: int) -> Response:
    form.group.choices = options(group_choices())
    form.group.data = form.group.data or group_key_of(rsvp.residential_group)
    html = render_template(
        "events/manage_rsvp.html",
        event=event, rsvp=rsvp, form=form, cancel_form=cancel_form, token=token,
        position=services.waitlist_position(rsvp),
        status_text=services.status_text(rsvp),
        flags=services.answer_flags(rsvp),
        closed_reason=closed_reason(event),
        questions=list(enumerate(event.questions or [], start=1)),
        manage_url=services.manage_url(rsvp),
        privacy_url=_privacy_url(rsvp),
        google_url=google_calendar_url(event),
        can_add_to_calendar=services.answer_flags(rsvp)["can_add_to_calendar"],
    )
    response = Response(html, status)
    # The address is a secret: no shared caches, and no referrer beyond this site.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.route("/<int:event_id>/cau-tra-loi/<token>", methods=["GET", "POST"])
@public
@ratelimits.public_form_limit()
def manage_rsvp(event_id: int, token: str):
    """The personal link from the confirmation: change or cancel an answer, no account needed."""
    event = access.viewable(current_user, event_id)
    try:
        rsvp = services.rsvp_from_token(event.id, token)
    except services.EventError as exc:
        abort_with(exc.status, str(exc))
    form = RsvpForm(obj=None)
    cancel_form = CancelRsvpForm()
    status = 200
    if request.method == "POST":
        try:
            flash(_change_answer(event, rsvp, form, cancel_form), "success")
            return redirect(url_for("events.manage_rsvp", event_id=event.id, token=token), 303)
        except services.EventError as exc:
            if exc.status == 429:
                too_many(exc)
            flash(str(exc), "error")
            status = exc.status
    if request.method == "GET" or status != 200:
        _fill_from_answer(form, rsvp, failed=request.method != "GET")
    return _answer_page(event, rsvp, token, form, cancel_form, status)


def _privacy_url(rsvp) -> str | None:
    """"My personal data" from the personal link: for the address the link was sent to."""
    identity = privacy.identity_of_link(rsvp.email, rsvp.phone)
    if not identity:
        return None
    return url_for("privacy.mine", token=privacy.identity_token(identity, "link"))
