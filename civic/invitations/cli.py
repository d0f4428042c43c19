import click

contacts_cli = click.Group("contacts", help="Contacts directory.")
