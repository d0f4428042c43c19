"""The ``civic`` console script: Flask's CLI bound to the app factory, plus our commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app():
    from civic import create_app

    return create_app()


class _LazyDbGroup(click.Group):
    """``civic db …``: Flask-Migrate's commands, imported only when one runs."""

    def _real(self) -> click.Group:
        from flask_migrate.cli import db  # defers Flask-Migrate and Alembic (~40 MB) to `civic db`

        return db

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._real().get_command(ctx, name)

    def make_context(self, info_name, args, parent=None, **extra):
        # The real group parses the arguments and runs its own callback (it sets g.directory and
        # g.x_arg, which every migration command reads): hand the whole invocation over to it.
        return self._real().make_context(info_name, args, parent=parent, **extra)


db_cli = _LazyDbGroup("db", help="Perform database migrations.")


def _commands() -> list:
    from civic.accounts.cli import tokens_cli, users_cli
    from civic.backup import backup_command, restore_command
    from civic.invitations.cli import contacts_cli
    from civic.notifications.cli import worker_command
    from civic.portal.cli import demo_command, retention_command

    return [users_cli, tokens_cli, contacts_cli, worker_command, demo_command, retention_command, backup_command, restore_command, db_cli]


class CivicGroup(FlaskGroup):
    """Lists and explains every command without building the app (no configuration needed for
    ``--help``); the app is made only when a command runs, and a configuration problem is one
    line on stderr with exit status 1 instead of a traceback."""

    def list_commands(self, ctx):
        self._load_plugin_commands()
        return sorted(click.Group.list_commands(self, ctx))

    def get_command(self, ctx, name):
        self._load_plugin_commands()
        command = click.Group.get_command(self, ctx, name)
        if command is not None:
            return command
        return super().get_command(ctx, name)

    def invoke(self, ctx):
        from civic.config import ConfigError

        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=CivicGroup, create_app=_create_app, add_version_option=False)
def main():
    """civic: cổng thông tin phường (ward portal)."""


for _command in _commands():
    main.add_command(_command)


def register_commands(app: Flask) -> None:
    for command in _commands():
        app.cli.add_command(command)
