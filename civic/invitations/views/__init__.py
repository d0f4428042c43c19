"""Pages of the invitations domain, one module per responsibility, all on one blueprint ``bp``:

- ``directory``: the directory of leaders, groups, posts and hand-overs, the export
- ``imports``: uploading a contacts file, its preview, columns and confirmation
- ``lists``: an event's invitation list, sending, recorded answers, letters
- ``answers``: the invitee's own answer page (no account)
- ``door``: check-in at the door (search, QR code, walk-ins)
- ``sheets``: the sign-in sheet and the attendance report
"""

from civic.invitations.views import answers, directory, door, imports, lists, sheets  # noqa: F401 - each registers its routes
from civic.invitations.views.blueprint import bp

__all__ = ["bp"]
