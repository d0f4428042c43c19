import importlib
import logging
import pkgutil
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


def import_task_modules() -> list[str]:
    """Every ``civic.<domain>.tasks`` module, so the consumer knows all tasks."""
    # The packages beside this one, listed from disk: importing the root package would make
    # this domain depend on every other.
    found = []
    for module in pkgutil.iter_modules([str(Path(__file__).resolve().parents[1])]):
        if not module.ispkg:
            continue
        name = f"civic.{module.name}.tasks"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        found.append(name)
    return found


@click.command("worker")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads of the Huey consumer.")
@click.option("--once", is_flag=True, help="Send what is due now and exit (no queue consumer).")
@with_appcontext
def worker_command(threads, once):
    """Run the background worker: the Huey consumer plus the periodic sweeps."""
    # Loaded when the command runs, not when `civic --help` lists it.
    from civic.extensions import huey
    from civic.notifications import heartbeat, tasks, worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import_task_modules()

    # Proof of life while this process holds claims: if it dies, another worker takes them
    # over within NOTIFY_HEARTBEAT_SECONDS instead of waiting for the lease.
    heartbeat.start(current_app._get_current_object())
    if once:
        start = time.perf_counter()
        handled = worker.run_until_idle()
        click.echo(f"handled {handled} deliveries in {time.perf_counter() - start:.3f} s")
        return
    if huey.immediate:
        raise click.ClickException("the queue is in immediate mode (TESTING or CIVIC_QUEUE_IMMEDIATE); nothing to consume")
    from huey.consumer import Consumer  # the consumer machinery, only for a long-running worker

    app = current_app._get_current_object()
    from civic.core.runtime import freeze_startup_objects

    freeze_startup_objects()
    # A restart after a crash picks up due rows right away and a dead worker's claims as soon
    # as its heartbeat is NOTIFY_HEARTBEAT_SECONDS old (a follow-up is scheduled for then).
    for _thread in range(threads):
        tasks.deliver_due()
    app.logger.info("civic worker: %s threads, queue %s", threads, type(huey.storage).__name__)
    consumer = Consumer(huey, workers=threads, worker_type="thread", periodic=True, check_worker_health=True,
                        initial_delay=0.05, max_delay=0.5, backoff=1.15)
    consumer.run()
