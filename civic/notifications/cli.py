import click


@click.command("worker")
def worker_command():
    """Run the background worker."""
