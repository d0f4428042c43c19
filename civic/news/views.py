from flask import Blueprint

from civic.core.permissions import public, role_required

bp = Blueprint("news", __name__, url_prefix="/tin-tuc")


@bp.get("/")
@public
def index():
    return "news"


@bp.get("/tim-kiem")
@public
def search():
    return "search"


@bp.get("/feed.atom")
@public
def feed():
    return "feed"


@bp.get("/quan-ly")
@role_required("editor")
def manage():
    return "manage"
