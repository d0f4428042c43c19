"""Account events other domains can listen to without accounts importing them.

Both are sent with ``sender=app`` and ``user=<User>`` after the change is committed, e.g.
the events domain attaches a guest's earlier RSVPs (same email) to the new account::

    from civic.accounts.signals import email_verified

    @email_verified.connect
    def _attach(app, user, **extra): ...
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

user_registered = _signals.signal("civic.user-registered")
# Sent inside the caller's transaction with ``user``, ``kind``, ``subject``, ``body``, ``context``
# and ``dedupe``: the notifications domain records the e-mail in its ledger.
account_mail_requested = _signals.signal("civic.account-mail-requested")
email_verified = _signals.signal("civic.email-verified")
# Sent when an account's phone is confirmed by an SMS code (events claim guest answers with it).
phone_verified = _signals.signal("civic.phone-verified")
