from flask import Blueprint

from civic.core.permissions import public

bp = Blueprint("elections", __name__, url_prefix="/bau-cu")


@bp.get("/")
@public
def index():
    return "elections"
