"""Site-wide models: visit counters (buffered in memory or Redis; see civic.portal.services)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from civic.core.db import UTCDateTime
from civic.core.timeutil import utcnow
from civic.extensions import db


class SiteCounter(db.Model):
    """A named running total ("visits"), updated in batches, never once per page view."""

    __tablename__ = "site_counters"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
