"""Campaign pages (organizers, admins), the outbox (admins) and unsubscribe links (anyone)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.forms import options
from civic.core.permissions import Role, can_organize, is_admin, public, role_required
from civic.core.timeutil import local_to_utc
from civic.extensions import csrf, db
from civic.notifications import compose as compose_service
from civic.notifications import labels, mailer, services
from civic.notifications.forms import ComposeForm, UnsubscribeForm
from civic.notifications.models import Channel

bp = Blueprint("notifications", __name__)

PER_PAGE = 30
TRANSACTIONAL_PER_PAGE = 50


def topic_label(topic: str) -> str:
    return labels.topic_label(topic)


@bp.app_context_processor
def _menu_links():
    """Menu flags for base.html: organizers reach the campaign pages, admins the outbox too."""
    if not has_request_context():  # e-mails rendered by the worker
        return {}
    user = current_user
    return {"menu_campaigns": can_organize(user), "menu_outbox": is_admin(user)}


@bp.context_processor
def _label_helpers():
    return dict(labels.TEMPLATE_HELPERS)


def _campaign_or_404(campaign_id: int):
    campaign = services.get_campaign_for(current_user, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


@bp.route("/quan-ly/thong-bao")
@role_required(Role.ORGANIZER)
def campaigns():
    page_no = request.args.get("page", 1, type=int) or 1
    page = db.paginate(services.broadcasts_query(current_user), page=max(1, page_no), per_page=PER_PAGE,
                       error_out=False)
    counts = services.status_counts([c.id for c in page.items])
    return render_template("notifications/campaigns.html", page=page, counts=counts,
                           titles=services.campaign_titles(page.items), tab="campaigns")


@bp.route("/quan-ly/thong-bao/giao-dich")
@role_required(Role.ORGANIZER)
def transactional():
    page_no = request.args.get("page", 1, type=int) or 1
    page = db.paginate(services.transactional_deliveries_query(current_user), page=max(1, page_no),
                       per_page=TRANSACTIONAL_PER_PAGE, error_out=False)
    titles = services.campaign_titles(list({d.campaign_id: d.campaign for d in page.items}.values()))
    return render_template("notifications/transactional.html", page=page, titles=titles, tab="transactional")


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
        title=services.campaign_titles([campaign])[campaign.id], status_labels=labels.status_labels(),
        tab="transactional" if services.is_transactional(campaign) else "campaigns",
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
    # An empty first choice: a required <select> must not preselect a real audience (HTML rule).
    form.audience.choices = options([("", _("Choose…"))] + compose_service.audience_choices())
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
                           placeholders=compose_service.PLACEHOLDERS, tab="compose"), status


@bp.route("/quan-tri/hop-thu-di")
@role_required(Role.ADMIN)
def outbox():
    return render_template("notifications/outbox.html", items=mailer.list_outbox(current_app),
                           smtp_configured=bool(current_app.config.get("MAIL_URL")),
                           sms_gateway=bool(current_app.config.get("SMS_GATEWAY_URL")), tab="outbox")


@bp.route("/quan-tri/hop-thu-di/<path:filename>")
@role_required(Role.ADMIN)
def outbox_item(filename: str):
    found = mailer.read_outbox_file(current_app, filename)
    if found is None:
        abort(404)
    kind, content = found
    if kind == Channel.EMAIL:
        return render_template("notifications/outbox_item.html", filename=filename, kind=kind, message=content,
                               tab="outbox")
    return render_template("notifications/outbox_item.html", filename=filename, kind=kind, text=content, tab="outbox")


def _unsubscribe_page(target_loader, token: str):
    form = UnsubscribeForm()
    try:
        target = target_loader(token)
    except services.NotificationError as exc:
        return render_template("notifications/unsubscribe.html", error=str(exc), target=None, form=form), 400
    page = {"target": target, "form": form, "error": None, "topic_label": topic_label(target.topic),
            "channel_label": _("email") if target.channel == Channel.EMAIL else _("SMS")}
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
