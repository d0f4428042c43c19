"""The notice, "my personal data" (see, download, correct, withdraw, erase) and the admin pages."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civic.core import ratelimits
from civic.core.db import writes_on_get
from civic.core.errors import abort_with
from civic.core.forms import first_error
from civic.core.permissions import Role, login_required, public, role_required
from civic.privacy import services
from civic.privacy.forms import (
    AskForm,
    CloseRequestForm,
    CodeForm,
    CorrectForm,
    EraseForm,
    NoticeForm,
    StartForm,
    WithdrawForm,
)
from civic.privacy.models import RequestProof

bp = Blueprint("privacy", __name__)

ADDRESS_KEY = "privacy_address"


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _actor():
    return current_user if getattr(current_user, "is_authenticated", False) else None


# --------------------------------------------------------------------------- the notice


@bp.get("/du-lieu-ca-nhan/thong-bao")
@public
def notice():
    current = services.current_notice()
    return render_template("privacy/notice.html", notice=current, versions=services.notice_versions(),
                           html=services.notice_html(current) if current else None, is_current=True,
                           purposes=services.purpose_labels(), purpose_texts=services.PURPOSES)


@bp.get("/du-lieu-ca-nhan/thong-bao/<int:version>")
@public
def notice_version(version: int):
    found = services.notice_version(version)
    if found is None:
        abort_with(404, _("This version of the notice does not exist."))
    current = services.current_notice()
    return render_template("privacy/notice.html", notice=found, versions=services.notice_versions(),
                           html=services.notice_html(found), is_current=current is not None and current.id == found.id,
                           purposes=services.purpose_labels(), purpose_texts=services.PURPOSES)


# --------------------------------------------------------------------------- proving who you are


@bp.route("/du-lieu-ca-nhan", methods=["GET", "POST"])
@public
@ratelimits.public_form_limit()
def start():
    """Neither a personal link nor an account: a code to the phone or e-mail proves it."""
    form = StartForm()
    if request.method == "POST":
        try:
            if not form.validate():
                raise services.PrivacyError(first_error(form) or _("Some of the information is not valid."))
            address = services.normalize_address(form.address.data)
            services.request_code(address, limited=ratelimits.limited())
        except services.PrivacyError as exc:
            flash(str(exc), "error")
            return render_template("privacy/start.html", form=form), exc.status
        session[ADDRESS_KEY] = address
        # The same words whether or not anything is held for this address.
        flash(_("We have sent a code to this phone number or e-mail address. Enter it below."), "success")
        return redirect(url_for("privacy.enter_code"), 303)
    return render_template("privacy/start.html", form=form)


@bp.route("/du-lieu-ca-nhan/nhap-ma", methods=["GET", "POST"])
@public
@ratelimits.public_form_limit()
def enter_code():
    address = session.get(ADDRESS_KEY)
    if not address:
        return redirect(url_for("privacy.start"), 303)
    form = CodeForm()
    if request.method == "POST":
        try:
            if not form.validate():
                raise services.PrivacyError(first_error(form) or _("Enter the 6-digit code."))
            token = services.verify_code(address, form.code.data)
        except services.PrivacyError as exc:
            flash(str(exc), "error")
            return render_template("privacy/code.html", form=form), exc.status
        session.pop(ADDRESS_KEY, None)
        return redirect(url_for("privacy.mine", token=token), 303)
    return render_template("privacy/code.html", form=form)


@bp.get("/du-lieu-ca-nhan/tai-khoan")
@login_required
def account():
    identity = services.identity_of_user(current_user)
    return redirect(url_for("privacy.mine", token=services.identity_token(identity, RequestProof.ACCOUNT)), 303)


def _identity(token: str):
    try:
        return services.identity_from_token(token)
    except services.PrivacyError as exc:
        abort_with(exc.status, str(exc))


# --------------------------------------------------------------------------- my data


@bp.get("/du-lieu-ca-nhan/xem/<token>")
@public
@writes_on_get  # seeing one's data is a request, and every request is registered
def mine(token: str):
    identity, proof = _identity(token)
    services.record_access(identity, proof, _actor())
    return _mine_page(token, identity)


def _mine_page(token: str, identity, status: int = 200, error: str | None = None, **forms):
    """The data page; after a refused post it comes back with the message and what was typed."""
    forms = {"correct_form": CorrectForm(formdata=None), "withdraw_form": WithdrawForm(formdata=None),
             "erase_form": EraseForm(formdata=None), "ask_form": AskForm(formdata=None)} | forms
    return _private(Response(render_template(
        "privacy/mine.html", token=token, sections=services.gather(identity), identity=identity,
        error=error, **forms,
    ), status))


@bp.get("/du-lieu-ca-nhan/xem/<token>/du-lieu.json")
@public
@writes_on_get
def download_json(token: str):
    identity, proof = _identity(token)
    body, filename = services.export_json(identity, proof, _actor())
    return _private(Response(body, mimetype="application/json",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'}))


@bp.get("/du-lieu-ca-nhan/xem/<token>/du-lieu.xlsx")
@public
@writes_on_get
def download_xlsx(token: str):
    identity, proof = _identity(token)
    body, filename = services.export_xlsx(identity, proof, _actor())
    return _private(Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'}))


def _back(token: str):
    return redirect(url_for("privacy.mine", token=token), 303)


@bp.post("/du-lieu-ca-nhan/xem/<token>/sua")
@public
def correct(token: str):
    identity, proof = _identity(token)
    form = CorrectForm()
    try:
        if not form.validate():
            raise services.PrivacyError(first_error(form) or _("Enter your name."))
        changed = services.correct_name(identity, proof, form.name.data, _actor())
    except services.PrivacyError as exc:
        return _mine_page(token, identity, exc.status, str(exc), correct_form=form)
    flash(_("Your name has been corrected in %(n)s records.", n=changed), "success")
    return _back(token)


@bp.post("/du-lieu-ca-nhan/xem/<token>/rut-dong-y")
@public
def withdraw(token: str):
    identity, proof = _identity(token)
    if not WithdrawForm().validate():
        abort(400)
    services.withdraw(identity, proof, _actor())
    flash(_("Your consent to messages is withdrawn: we will send you no more messages."), "success")
    return _back(token)


@bp.post("/du-lieu-ca-nhan/xem/<token>/xoa")
@public
def erase(token: str):
    identity, proof = _identity(token)
    form = EraseForm()
    if not form.validate() or not form.confirm.data:
        flash(_("Tick the box to confirm that your data should be erased. Nothing has been erased."), "error")
        return _back(token)
    result = services.erase(identity, proof, _actor())
    session["privacy_erased"] = {"erased": result.erased, "kept": result.kept, "open": result.open}
    return redirect(url_for("privacy.erased"), 303)


@bp.get("/du-lieu-ca-nhan/da-xoa")
@public
def erased():
    outcome = session.get("privacy_erased")
    if not isinstance(outcome, dict):
        return redirect(url_for("privacy.start"), 303)
    return _private(Response(render_template("privacy/erased.html", outcome=outcome)))


@bp.post("/du-lieu-ca-nhan/xem/<token>/yeu-cau")
@public
@ratelimits.public_form_limit()
def ask(token: str):
    identity, proof = _identity(token)
    form = AskForm()
    try:
        if not form.validate():
            raise services.PrivacyError(first_error(form) or _("Write what you are asking for."))
        services.ask(identity, proof, form.text.data, _actor())
    except services.PrivacyError as exc:
        return _mine_page(token, identity, exc.status, str(exc), ask_form=form)
    flash(_("Your request has been registered. We will tell you when it is done."), "success")
    return _back(token)


# --------------------------------------------------------------------------- administrators


@bp.get("/quan-tri/du-lieu-ca-nhan")
@role_required(Role.ADMIN)
def admin():
    return render_template(
        "privacy/admin.html", open_requests=[(r, services.age_days(r), services.requester_label(r)) for r in services.open_requests()],
        done=services.recent_requests(), kinds=services.request_kind_labels(), consents=services.consent_counts(),
        close_form=CloseRequestForm(formdata=None), current=services.current_notice(),
    )


@bp.post("/quan-tri/du-lieu-ca-nhan/<int:request_id>/xong")
@role_required(Role.ADMIN)
def close(request_id: int):
    req = services.get_request(request_id)
    if req is None:
        abort(404)
    form = CloseRequestForm()
    try:
        if not form.validate():
            raise services.PrivacyError(first_error(form) or _("Some of the information is not valid."))
        services.close_request(req, current_user, form.note.data)
    except services.PrivacyError as exc:
        flash(str(exc), "error")
        return redirect(url_for("privacy.admin"), 303)
    flash(_("The request is closed and the person has been told."), "success")
    return redirect(url_for("privacy.admin"), 303)


@bp.route("/quan-tri/du-lieu-ca-nhan/thong-bao", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_notice():
    form = NoticeForm()
    status = 200
    if request.method == "POST":
        try:
            if not form.validate():
                raise services.PrivacyError(first_error(form) or _("Some of the information is not valid."))
            if request.form.get("action") == "publish":
                published = services.publish_notice(form.body.data, current_user)
                flash(_("Version %(n)s of the notice is published.", n=published.version), "success")
            else:
                services.save_draft(form.body.data, current_user)
                flash(_("The draft is saved; it is not public until you publish it."), "success")
            return redirect(url_for("privacy.edit_notice"), 303)
        except services.PrivacyError as exc:
            flash(str(exc), "error")
            status = exc.status
    draft = services.draft_notice()
    current = services.current_notice()
    if request.method == "GET":
        form.body.data = (draft or current).body if (draft or current) else services.default_notice_text()
    return render_template("privacy/edit_notice.html", form=form, draft=draft, current=current,
                           versions=services.notice_versions()), status
