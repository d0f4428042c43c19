"""Campaign pages (organizers, admins), the outbox (admins) and unsubscribe links (anyone)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.permissions import Role, is_admin, public, role_required
from civic.core.timeutil import local_to_utc
from civic.extensions import csrf, db
from civic.notifications import compose as compose_service
from civic.notifications import mailer, services
from civic.notifications.forms import ComposeForm, UnsubscribeForm

bp = Blueprint("notifications", __name__)

PER_PAGE = 30


def topic_label(topic: str) -> str:
    labels = {
        "events": _("events"), "elections": _("elections"), "invitations": _("invitations"),
        "announcements": _("ward announcements"), "account": _("your account"), "news": _("news"),
    }
    return labels.get(topic, topic)


def status_labels() -> dict:
    return {"pending": _("Waiting"), "sending": _("Sending"), "sent": _("Sent"), "failed": _("Failed"),
            "skipped": _("Skipped")}


def reason_labels() -> dict:
    return {"unsubscribed": _("Unsubscribed"), "no_address": _("No address"),
            "quiet_hours": _("Quiet hours: sent after 07:00"), "retry": _("Will retry"), None: ""}


def _campaign_or_404(campaign_id: int):
    campaign = services.get_campaign_for(current_user, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


@bp.route("/quan-ly/thong-bao")
@role_required(Role.ORGANIZER)
def campaigns():
    page_no = request.args.get("page", 1, type=int) or 1
    page = db.paginate(services.campaigns_query(current_user), page=max(1, page_no), per_page=PER_PAGE,
                       error_out=False)
    counts = services.status_counts([c.id for c in page.items])
    return render_template("notifications/campaigns.html", page=page, counts=counts,
                           can_compose=True, show_outbox=is_admin(current_user))


@bp.route("/quan-ly/thong-bao/<int:campaign_id>")
@role_required(Role.ORGANIZER)
def campaign_detail(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    progress = services.progress(campaign)
    preview, preview_error = None, None
    try:
        preview = services.preview(campaign)
    except services.TemplateError as exc:
        preview_error = str(exc)
    return render_template(
        "notifications/campaign.html", campaign=campaign, progress=progress,
        failures=services.failures(campaign), preview=preview, preview_error=preview_error,
        status_labels=status_labels(), reason_labels=reason_labels(),
    )


@bp.route("/quan-ly/thong-bao/<int:campaign_id>/tien-do.json")
@role_required(Role.ORGANIZER)
def campaign_progress(campaign_id: int):
    return jsonify(services.progress(_campaign_or_404(campaign_id)))


@bp.route("/quan-ly/thong-bao/<int:campaign_id>/gui-lai", methods=["POST"])
@role_required(Role.ORGANIZER)
def retry_failed(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    count = services.retry_failed(campaign)
    flash(_("%(n)s failed messages will be sent again.", n=count) if count else _("There are no failed messages."),
          "success" if count else "warning")
    return redirect(url_for("notifications.campaign_detail", campaign_id=campaign.id), 303)


@bp.route("/quan-ly/thong-bao/<int:campaign_id>/gui-thu", methods=["POST"])
@role_required(Role.ORGANIZER)
def send_test(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    try:
        services.send_test_to(current_user, campaign)
    except services.NotificationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("notifications.campaign_detail", campaign_id=campaign.id), 303)
    flash(_("A test message was sent to you."), "success")
    return redirect(url_for("notifications.campaign_detail", campaign_id=campaign.id), 303)


@bp.route("/quan-ly/thong-bao/moi", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def compose():
    form = ComposeForm()
    form.audience.choices = compose_service.audience_choices()
    preview = None
    status = 200
    if form.validate_on_submit():
        action = request.form.get("action", "preview")
        send_at = local_to_utc(form.send_at.data) if form.send_at.data else None
        try:
            draft = compose_service.Draft(
                audience=form.audience.data, channels=tuple(form.channels.data), subject=form.subject.data,
                body_text=form.body_text.data, sms_text=form.sms_text.data or None, send_at=send_at,
                urgent=form.urgent.data,
            )
            if action == "send":
                campaign = compose_service.send(draft, current_user)
                flash(_("The message was queued for %(n)s recipients.", n=campaign.recipient_count), "success")
                return redirect(url_for("notifications.campaign_detail", campaign_id=campaign.id), 303)
            if action == "test":
                compose_service.send_test(draft, current_user)
                flash(_("A test message was sent to you."), "success")
            preview = compose_service.preview(draft)
        except services.NotificationError as exc:
            flash(str(exc), "error")
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("notifications/compose.html", form=form, preview=preview,
                           placeholders=compose_service.PLACEHOLDERS), status


@bp.route("/quan-tri/hop-thu-di")
@role_required(Role.ADMIN)
def outbox():
    return render_template("notifications/outbox.html", items=mailer.list_outbox(current_app),
                           smtp_configured=bool(current_app.config.get("MAIL_URL")),
                           sms_gateway=bool(current_app.config.get("SMS_GATEWAY_URL")))


@bp.route("/quan-tri/hop-thu-di/<path:filename>")
@role_required(Role.ADMIN)
def outbox_item(filename: str):
    found = mailer.read_outbox_file(current_app, filename)
    if found is None:
        abort(404)
    kind, content = found
    if kind == "email":
        return render_template("notifications/outbox_item.html", filename=filename, kind=kind, message=content)
    return render_template("notifications/outbox_item.html", filename=filename, kind=kind, text=content)


def _unsubscribe_page(target_loader, token: str):
    form = UnsubscribeForm()
    try:
        target = target_loader(token)
    except services.NotificationError as exc:
        return render_template("notifications/unsubscribe.html", error=str(exc), target=None, form=form), 400
    page = {"target": target, "form": form, "error": None, "topic_label": topic_label(target.topic),
            "channel_label": _("email") if target.channel == "email" else _("SMS")}
    if request.method == "POST":
        # RFC 8058 one-click: the mail client posts "List-Unsubscribe=One-Click" without a session.
        services.unsubscribe(target, all_topics=bool(form.all_topics.data))
        return render_template("notifications/unsubscribe.html", done=True, **page)
    return render_template("notifications/unsubscribe.html", done=False, **page)


@bp.route(services.UNSUBSCRIBE_PATH + "<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    return _unsubscribe_page(services.read_unsubscribe_token, token)


@bp.route(services.SMS_STOP_PATH + "<code>", methods=["GET", "POST"])
@public
@csrf.exempt
def sms_stop(code: str):
    return _unsubscribe_page(services.read_sms_stop_code, code)
