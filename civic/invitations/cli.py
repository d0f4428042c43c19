"""``civic contacts import FILE [--dry-run]`` (.xlsx, .xls, .xlsb, .ods, .csv) and ``civic contacts export FILE.xlsx``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from civic.invitations.errors import InvitationError
from civic.invitations.importer import import_contacts
from civic.invitations.models import RowAction
from civic.invitations.services.directory import export_contacts_xlsx

contacts_cli = click.Group("contacts", help="Contacts directory.")

ACTION_LABELS = {RowAction.CREATE: "tạo mới", RowAction.UPDATE: "cập nhật", RowAction.UNCHANGED: "không đổi",
                 RowAction.REJECT: "bị loại"}


def print_report(report, verbose: bool = False) -> None:
    summary = report.summary()
    click.echo(f"Dòng tiêu đề: {report.header_row}")
    click.echo("Cột: " + ", ".join(f"{report.headers[c] if c < len(report.headers) else c} → {f}"
                                   for c, f in sorted(report.mapping.items())))
    click.echo(f"Tạo mới: {summary['created']}")
    click.echo(f"Cập nhật: {summary['updated']}")
    click.echo(f"Không đổi: {summary['unchanged']}")
    click.echo(f"Bị loại: {len(summary['rejected'])}")
    for item in summary["rejected"]:
        click.echo(f"  dòng {item['row']}: {item['reason']}")
    if verbose:
        for r in report.rows:
            if r.action != RowAction.REJECT:
                click.echo(f"  dòng {r.row}: {ACTION_LABELS[r.action]} – {r.full_name}")


@contacts_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only show what would happen; write nothing.")
@click.option("--verbose", "-v", is_flag=True, help="List every row, not only the rejected ones.")
@with_appcontext
def import_command(file: Path, dry_run: bool, verbose: bool):
    """Import contacts from Excel (.xlsx, .xls, .xlsb), LibreOffice (.ods) or CSV: all rows or none."""
    try:
        report = import_contacts(file.read_bytes(), file.name, dry_run=dry_run)
    except InvitationError as exc:
        raise click.ClickException(str(exc)) from exc
    print_report(report, verbose)
    click.echo("Chạy thử: chưa ghi gì." if dry_run else "Đã ghi vào danh bạ.")


@contacts_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_command(file: Path):
    """Write the whole directory to an Excel file."""
    file.write_bytes(export_contacts_xlsx())
    click.echo(f"Đã xuất danh bạ ra {file}")
