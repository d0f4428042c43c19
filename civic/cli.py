"""The ``civic`` console script: Flask's CLI bound to the app factory, plus our commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app():
    from civic import create_app
    from civic.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        # One line naming the setting, not a traceback.
        click.echo(f"civic: {exc}", err=True)
        raise SystemExit(2) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main():
    """civic: cổng thông tin phường (ward portal)."""


def register_commands(app: Flask) -> None:
    from civic.accounts.cli import tokens_cli, users_cli
    from civic.invitations.cli import contacts_cli
    from civic.notifications.cli import worker_command
    from civic.portal.cli import demo_command

    for command in (users_cli, tokens_cli, contacts_cli, worker_command, demo_command):
        app.cli.add_command(command)
    from civic.backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
