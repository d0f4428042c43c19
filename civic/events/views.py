from flask import Blueprint

from civic.core.permissions import public, role_required

bp = Blueprint("events", __name__, url_prefix="/su-kien")


@bp.get("/")
@public
def index():
    return "events"


@bp.get("/lich.ics")
@public
def ics_feed():
    return "ics"


@bp.get("/quan-ly")
@role_required("organizer")
def manage():
    return "manage"
