"""Sign-up, sign-in, links from emails, profile, API tokens and the admin pages (/quan-tri/)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from civic.accounts import services
from civic.accounts.forms import (
    ActionForm,
    ActiveForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    PhoneCodeForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    RoleForm,
    TokenCreateForm,
)
from civic.accounts.services import AccountError
from civic.core.db import writes_on_get
from civic.core.forms import first_error
from civic.core.permissions import (
    Role,
    any_role_required,
    login_required,
    public,
    role_required,
)
from civic.core.phone import format_phone_local
from civic.core.ratelimits import public_form_limit
from civic.core.security import safe_next
from civic.extensions import limiter
from civic.privacy import services as privacy

bp = Blueprint("accounts", __name__)


TOKEN_ROLES = (Role.ORGANIZER, Role.EDITOR, Role.ADMIN)


# Links other domains add to the profile page ("My registrations", "My invitations"):
# (endpoint, lazy label, optional predicate(user) -> bool).
_profile_links: list[tuple[str, object, object]] = []


def add_profile_link(endpoint: str, label, when=None) -> None:
    """Called by another domain at import time; accounts does not import them."""
    if all(existing[0] != endpoint for existing in _profile_links):
        _profile_links.append((endpoint, label, when))


def _extra_links(user) -> list[dict]:
    links = []
    for endpoint, label, when in _profile_links:
        if when is None or when(user):
            links.append({"url": url_for(endpoint), "label": str(label)})
    return links


def _auth_limit() -> str:
    return current_app.config.get("CIVIC_AUTH_RATE_LIMIT", "10 per minute")


# Only POSTs count: opening the form is free, guessing passwords is not.
auth_limit = limiter.limit(_auth_limit, methods=["POST"])


def _render(template: str, status: int = 200, **context):
    return render_template(template, **context), status


def _form_failed(template: str, form, **context):
    """Re-render a form with its errors: 422, nothing written."""
    return _render(template, 422, form=form, error=first_error(form), **context)


def _page_arg() -> int:
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- sign in / out


@bp.route("/dang-nhap", methods=["GET", "POST"])
@public
@auth_limit
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        return _render("accounts/login.html", form=form)
    if not form.validate_on_submit():
        return _form_failed("accounts/login.html", form)
    try:
        user = services.check_credentials(form.email.data, form.password.data)
    except AccountError as exc:
        form.password.data = ""
        return _render("accounts/login.html", exc.status, form=form, error=str(exc))
    login_user(user, remember=bool(form.remember.data))
    flash(_("Welcome, %(name)s.", name=user.full_name), "success")
    return redirect(safe_next(form.next.data, url_for("portal.home")))


@bp.post("/dang-xuat")
@login_required
def logout():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("portal.home"))


@bp.route("/dang-ky", methods=["GET", "POST"])
@public
@auth_limit
def register():
    form = RegisterForm()
    if request.method == "GET":
        return _render("accounts/register.html", form=form)
    if not form.validate_on_submit():
        return _form_failed("accounts/register.html", form)
    try:
        user = services.register_user(
            form.email.data, form.full_name.data, form.password.data, form.phone.data,
            services.group_id_from_form(form.group.data), consent=privacy.consent_from(form.consent.data),
        )
    except AccountError as exc:
        return _render("accounts/register.html", exc.status, form=form, error=str(exc))
    login_user(user)
    flash(
        _("Your account has been created. We sent a confirmation link to %(email)s.", email=user.email),
        "success",
    )
    return redirect(url_for("accounts.profile"))


# --------------------------------------------------------------------------- links from emails


@bp.get("/xac-nhan-email/<token>")
@public
@writes_on_get
def verify_email(token: str):
    try:
        user = services.verify_email(token)
    except AccountError as exc:
        return _render("accounts/link_error.html", exc.status, message=str(exc))
    flash(_("Thank you, your email address %(email)s is confirmed.", email=user.email), "success")
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    return redirect(url_for("accounts.login"))


@bp.post("/tai-khoan/gui-lai-xac-nhan")
@login_required
def resend_verification():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    services.send_verification(current_user)
    flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/quen-mat-khau", methods=["GET", "POST"])
@public
@auth_limit
def forgot_password():
    form = ForgotPasswordForm()
    if request.method == "GET":
        return _render("accounts/forgot_password.html", form=form)
    if not form.validate_on_submit():
        return _form_failed("accounts/forgot_password.html", form)
    services.request_password_reset(form.email.data)
    # The same page whether or not the address has an account.
    return _render("accounts/forgot_password_sent.html", email=form.email.data)


@bp.route("/dat-lai-mat-khau/<token>", methods=["GET", "POST"])
@public
@auth_limit
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except AccountError as exc:
        return _render("accounts/link_error.html", exc.status, message=str(exc))
    form = ResetPasswordForm()
    if request.method == "GET":
        return _no_store(make_response(render_template("accounts/reset_password.html", form=form, token=token)))
    if not form.validate_on_submit():
        return _form_failed("accounts/reset_password.html", form, token=token)
    try:
        services.reset_password(token, form.password.data)
    except AccountError as exc:
        return _render("accounts/reset_password.html", exc.status, form=form, token=token, error=str(exc))
    if current_user.is_authenticated:
        logout_user()
    flash(_("Your password has been changed. Please sign in with the new password."), "success")
    return redirect(url_for("accounts.login"))


# --------------------------------------------------------------------------- own account


def _profile_context(user, code_form=None) -> dict:
    return {
        "user": user,
        "role_name": services.role_label(user.role),
        "can_use_tokens": services.can_use_api_tokens(user),
        "action_form": ActionForm(),
        "extra_links": _extra_links(user),
        "code_form": code_form or PhoneCodeForm(formdata=None),
        "code_pending": services.phone_code_pending(user),
    }


def _profile_form(user):
    form = ProfileForm(formdata=None, obj=user)
    form.group.data = services.group_key(user.residential_group) if user.residential_group else ""
    form.phone.data = format_phone_local(user.phone)
    return form


@bp.route("/tai-khoan", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    if request.method == "GET":
        return _render("accounts/profile.html", form=_profile_form(user), **_profile_context(user))
    form = ProfileForm()
    context = _profile_context(user)
    if not form.validate_on_submit():
        return _form_failed("accounts/profile.html", form, **context)
    try:
        services.update_profile(user, form.full_name.data, form.phone.data, services.group_id_from_form(form.group.data))
    except AccountError as exc:
        return _render("accounts/profile.html", exc.status, form=form, error=str(exc), **context)
    flash(_("Your details have been saved."), "success")
    return redirect(url_for("accounts.profile"))


@bp.post("/tai-khoan/so-dien-thoai/gui-ma")
@login_required
@public_form_limit()
def send_phone_code():
    user = current_user._get_current_object()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.send_phone_code(user)
    except AccountError as exc:
        return _render("accounts/profile.html", exc.status, form=_profile_form(user), phone_error=str(exc),
                       **_profile_context(user))
    flash(_("We sent a 6-digit code by SMS to %(phone)s. Enter it below within 10 minutes.",
            phone=format_phone_local(user.phone)), "success")
    return redirect(url_for("accounts.profile", _anchor="so-dien-thoai"), 303)


@bp.post("/tai-khoan/so-dien-thoai/xac-nhan")
@login_required
@auth_limit
def verify_phone():
    user = current_user._get_current_object()
    form = PhoneCodeForm()
    try:
        if not form.validate_on_submit():
            raise AccountError(first_error(form) or _("Please enter the 6-digit code from the SMS."))
        services.verify_phone_code(user, form.code.data)
    except AccountError as exc:
        form.code.data = ""
        return _render("accounts/profile.html", exc.status, form=_profile_form(user), phone_error=str(exc),
                       **_profile_context(user, code_form=form))
    flash(_("Thank you, your phone number %(phone)s is confirmed.", phone=format_phone_local(user.phone)), "success")
    return redirect(url_for("accounts.profile"), 303)


@bp.route("/tai-khoan/mat-khau", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if request.method == "GET":
        return _render("accounts/change_password.html", form=form)
    if not form.validate_on_submit():
        return _form_failed("accounts/change_password.html", form)
    user = current_user._get_current_object()
    try:
        services.change_password(user, form.current.data, form.password.data)
    except AccountError as exc:
        return _render("accounts/change_password.html", exc.status, form=form, error=str(exc))
    # The session version changed: sign this browser in again, every other session ends.
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)
    flash(_("Your password has been changed. You have been signed out everywhere else."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/tai-khoan/ma-api", methods=["GET", "POST"])
@any_role_required(*TOKEN_ROLES)
def api_tokens():
    user = current_user._get_current_object()
    form = TokenCreateForm()
    context = {"action_form": ActionForm(), "plain_token": None}
    if request.method == "POST":
        if not form.validate_on_submit():
            return _form_failed("accounts/api_tokens.html", form, tokens=services.list_tokens(user), **context)
        try:
            _, context["plain_token"] = services.issue_api_token(user, form.name.data)
        except AccountError as exc:
            return _render("accounts/api_tokens.html", exc.status, form=form, error=str(exc),
                           tokens=services.list_tokens(user), **context)
        form = TokenCreateForm(formdata=None)
    html = render_template("accounts/api_tokens.html", form=form, tokens=services.list_tokens(user), **context)
    # The plain token is on this page once; keep it out of caches.
    return _no_store(make_response(html, 201 if context["plain_token"] else 200))


@bp.post("/tai-khoan/ma-api/<int:token_id>/thu-hoi")
@any_role_required(*TOKEN_ROLES)
def revoke_api_token(token_id: int):
    user = current_user._get_current_object()
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        token = services.revoke_token(user, token_id)
    except AccountError as exc:
        abort(exc.status)
    flash(_("The token %(prefix)s… has been revoked.", prefix=token.prefix), "success")
    return redirect(url_for("accounts.api_tokens"))


# --------------------------------------------------------------------------- administration


@bp.get("/quan-tri/nguoi-dung")
@role_required(Role.ADMIN)
def admin_users():
    query = request.args.get("q", "")[:100]
    role = request.args.get("role", "")
    if role not in {r.value for r in Role}:
        role = ""
    page = services.search_users(query, role or None, _page_arg())
    return _render(
        "accounts/admin_users.html",
        page=page,
        query=query,
        role=role,
        role_choices=services.role_choices(),
        role_label=services.role_label,
    )


def _admin_target(user_id: int):
    try:
        return services.get_user(user_id)
    except AccountError:
        abort(404)


def _admin_user_page(target, status=200, error=None, role_form=None):
    role_form = role_form or RoleForm(role=target.role)
    return _render(
        "accounts/admin_user.html",
        status,
        target=target,
        is_self=target.id == current_user.id,
        role_form=role_form,
        active_form=ActiveForm(active="0" if target.active else "1"),
        role_name=services.role_label(target.role),
        audit=services.list_audit(1, 20, target_id=target.id).items,
        audit_label=services.audit_label,
        describe_audit=services.describe_audit,
        audit_actor=services.audit_actor,
        error=error,
    )


@bp.get("/quan-tri/nguoi-dung/<int:user_id>")
@role_required(Role.ADMIN)
def admin_user(user_id: int):
    return _admin_user_page(_admin_target(user_id))


@bp.post("/quan-tri/nguoi-dung/<int:user_id>/vai-tro")
@role_required(Role.ADMIN)
def admin_set_role(user_id: int):
    target = _admin_target(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _admin_user_page(target, 422, first_error(form) or _("Please choose a role from the list."), form)
    try:
        changed = services.change_role(current_user._get_current_object(), target, form.role.data)
    except AccountError as exc:
        return _admin_user_page(target, exc.status, str(exc))
    if changed:
        flash(_("%(name)s is now: %(role)s.", name=target.full_name, role=services.role_label(target.role)), "success")
    return redirect(url_for("accounts.admin_user", user_id=target.id))


@bp.post("/quan-tri/nguoi-dung/<int:user_id>/trang-thai")
@role_required(Role.ADMIN)
def admin_set_active(user_id: int):
    target = _admin_target(user_id)
    form = ActiveForm()
    if not form.validate_on_submit() or form.active.data not in {"0", "1"}:
        return _admin_user_page(target, 422, _("The request could not be understood. Please check what you entered and try again."))
    try:
        changed = services.set_active(current_user._get_current_object(), target, form.active.data == "1")
    except AccountError as exc:
        return _admin_user_page(target, exc.status, str(exc))
    if changed:
        message = (_("The account of %(name)s has been reactivated.", name=target.full_name) if target.active
                   else _("The account of %(name)s has been deactivated.", name=target.full_name))
        flash(message, "success")
    return redirect(url_for("accounts.admin_user", user_id=target.id))


@bp.get("/quan-tri/nhat-ky")
@role_required(Role.ADMIN)
def admin_audit():
    person = request.args.get("nguoi", "")[:100]
    kinds = services.audit_labels()
    kind = request.args.get("loai", "")
    if kind not in kinds:
        kind = ""
    return _render(
        "accounts/admin_audit.html",
        page=services.list_audit(_page_arg(), person=person, kind=kind),
        person=person,
        kind=kind,
        kind_choices=list(kinds.items()),
        empty_text=_("No record matches this filter.") if (person or kind) else None,
        audit_label=services.audit_label,
        describe_audit=services.describe_audit,
        audit_actor=services.audit_actor,
    )
