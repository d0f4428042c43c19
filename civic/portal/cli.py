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
