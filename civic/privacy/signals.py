"""What privacy asks other domains to do, without importing them.

``message_requested`` is sent inside the caller's transaction with ``kind``, ``address``
(an e-mail or an E.164 phone), ``subject``, ``body`` (str.format text), ``sms_text``,
``context`` and ``dedupe``: the notifications domain records and sends it.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

message_requested = _signals.signal("civic.privacy-message-requested")
