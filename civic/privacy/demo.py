"""Demo: the published notice (the consents come with the other domains' demo answers)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.extensions import db
from civic.privacy import services
from civic.privacy.models import Consent


def load_demo() -> list[str]:
    notice = services.ensure_notice()
    db.session.commit()
    consents = db.session.scalar(sa.select(sa.func.count(Consent.id))) or 0
    return [_("Personal data notice: version %(version)s; consents recorded: %(total)s",
              version=notice.version, total=consents)]
