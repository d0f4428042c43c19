"""``civic demo``: load a believable Vietnamese ward, once (idempotent)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo ward (idempotent: running it again changes nothing)."""
    from civic.portal.demo import load_demo

    report = load_demo()
    for line in report:
        click.echo(line)


@click.command("retention")
@with_appcontext
def retention_command():
    """Anonymise now what is past its retention period (the daily task does the same)."""
    from flask import current_app

    from civic.portal.retention import run_retention

    cfg = current_app.config
    report = run_retention()
    click.echo(f"Guest answers anonymised ({cfg['CIVIC_RETENTION_RSVP_DAYS']} days after the event): "
               f"{report.rsvps}")
    click.echo(f"Election subscriptions anonymised ({cfg['CIVIC_RETENTION_SUBSCRIPTION_GRACE_DAYS']} days "
               f"after polling day): {report.subscriptions}")
    click.echo(f"Outbox messages purged (after {cfg['CIVIC_RETENTION_OUTBOX_DAYS']} days): {report.deliveries}")
