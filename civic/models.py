"""Imports every domain's models so SQLAlchemy's metadata and Alembic see all tables."""

from civic.accounts import models as accounts_models  # noqa: F401
from civic.elections import models as elections_models  # noqa: F401
from civic.events import models as events_models  # noqa: F401
from civic.invitations import models as invitations_models  # noqa: F401
from civic.news import models as news_models  # noqa: F401
from civic.notifications import models as notifications_models  # noqa: F401
from civic.portal import models as portal_models  # noqa: F401
from civic.privacy import models as privacy_models  # noqa: F401
from civic.schedule import models as schedule_models  # noqa: F401
