"""What the invitations domain announces, so other domains can answer without importing it.

Sent with ``sender=<app>`` AFTER the change is committed (civic.core.db.announce); a receiver
sees the saved rows, may write and commit on its own, and must not raise (one that does is
logged and undoes nothing):

- ``invitation_answered``: ``invitation=<Invitation>``, ``response=<Answer>``, ``via=<AnswerChannel>``:
  an invitee (through their link) or an organizer (phone, paper) recorded an answer.
- ``import_written``: ``summary=<dict>`` (what ``confirm_import`` returns), ``source=<file name>``:
  a contacts file was written to the directory.

    from civic.invitations.signals import invitation_answered

    @invitation_answered.connect
    def _count(app, invitation=None, **extra): ...
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

invitation_answered = _signals.signal("civic.invitation-answered")
import_written = _signals.signal("civic.invitations-import-written")
