"""What the portal calls each event category. Beside the services (like links.py) because the
iCalendar builder, which the services use, names them too."""

from __future__ import annotations

from flask_babel import gettext as _

from civic.events.models import EventCategory


def category_labels() -> dict[str, str]:
    return {
        EventCategory.MEETING: _("Residential group meeting"),
        EventCategory.CLEANUP: _("Clean-up day"),
        EventCategory.HEALTH: _("Health check"),
        EventCategory.VOTERS: _("Meeting with deputies"),
        EventCategory.CULTURE: _("Culture and festivals"),
        EventCategory.OTHER: _("Other"),
    }
