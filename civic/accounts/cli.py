"""``civic users …`` and ``civic tokens …``: accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from civic.core.permissions import Role

users_cli = click.Group("users", help="User accounts.")
tokens_cli = click.Group("tokens", help="API tokens.")

ROLE_NAMES = [role.value for role in Role]


def _fail(message: str):
    raise click.ClickException(message)


@users_cli.command("create")
@click.option("--email", required=True, help="Email address (the sign-in name).")
@click.option("--name", "full_name", required=True, help='Full name, e.g. "Nguyễn Thị Lan".')
@click.option("--role", default=Role.RESIDENT.value, show_default=True, help="One of: " + ", ".join(ROLE_NAMES))
@click.option("--password", default=None, help="Prompted (with confirmation) when left out.")
@click.option("--phone", default=None, help="Optional phone number, e.g. 0912 345 678.")
@click.option("--group", "group_name", default=None, help='Optional tổ dân phố, e.g. "Tổ dân phố số 3" or 3.')
@with_appcontext
def create_user_command(email, full_name, role, password, phone, group_name):
    """Create a confirmed account."""
    from civic.accounts import services
    from civic.core.phone import InvalidPhone, normalize_phone
    from civic.core.text import nfc
    from civic.extensions import db

    email, full_name, role, phone, group_name = (nfc(v) for v in (email, full_name, role, phone, group_name))
    role = (role or "").strip().lower()
    if role not in ROLE_NAMES:
        _fail(f"unknown role {role!r}; choose one of: {', '.join(ROLE_NAMES)}")
    try:
        address = services.normalize_email(email)
        services.clean_full_name(full_name)
    except services.AccountError as exc:
        _fail(str(exc))
    if services._user_by_email(address) is not None:
        _fail(f"an account with the email {address} already exists")
    try:
        phone = normalize_phone(phone) if phone else None
    except InvalidPhone:
        _fail(f"{phone!r} is not a valid Vietnamese phone number")
    group = None
    if group_name:
        group = services.find_group(group_name)
        if group is None:
            _fail(f"no residential group matches {group_name!r}")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    password = nfc(password)
    try:
        services.check_password_rules(password)
        user = services.create_user(address, full_name, password, role=role, phone=phone, group=group, verified=True)
        db.session.commit()
    except services.AccountError as exc:
        db.session.rollback()
        _fail(str(exc))
    click.echo(f"Created {user.email} ({user.role}), id {user.id}.")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role")
@with_appcontext
def set_role_command(email, role):
    """Change an account's role (written to the audit log)."""
    from civic.accounts import services
    from civic.extensions import db

    role = role.strip().lower()
    if role not in ROLE_NAMES:
        _fail(f"unknown role {role!r}; choose one of: {', '.join(ROLE_NAMES)}")
    user = services._user_by_email(email)
    if user is None:
        _fail(f"no account with the email {email}")
    old = user.role
    if old != role:
        user.role = role
        services.record_audit(None, "role_change", user, old=old, new=role, via="cli")
        db.session.commit()
    click.echo(f"{user.email}: {old} -> {role}")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@with_appcontext
def create_token_command(email, name):
    """Create a personal API token; the token is printed alone on the last line."""
    from civic.accounts import services

    user = services._user_by_email(email)
    if user is None:
        _fail(f"no account with the email {email}")
    try:
        token, plain = services.issue_api_token(user, name)
    except services.AccountError as exc:
        _fail(str(exc))
    click.echo(f"Token {token.prefix}… for {user.email} ({user.role}). It is shown once; keep it secret:")
    click.echo(plain)
