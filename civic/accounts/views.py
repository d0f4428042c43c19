from flask import Blueprint

from civic.core.permissions import login_required, public, role_required

bp = Blueprint("accounts", __name__)


@bp.route("/dang-nhap", methods=["GET", "POST"])
@public
def login():
    return "login"


@bp.post("/dang-xuat")
@login_required
def logout():
    return "logout"


@bp.route("/dang-ky", methods=["GET", "POST"])
@public
def register():
    return "register"


@bp.get("/tai-khoan")
@login_required
def profile():
    return "profile"


@bp.get("/quan-tri/nguoi-dung")
@role_required("admin")
def admin_users():
    return "users"
