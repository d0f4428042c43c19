"""Extension objects, created here and bound to an app in ``create_app``."""

from flask_babel import Babel, Domain
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from civic.core.lazy import hidden_imports
from civic.core.session import CivicSession

# Huey imports redis, psycopg and gevent when they are installed (~40 MB); the queue uses
# gevent and psycopg never, and redis only under REDIS_URL (civic.core.queue loads it then).
with hidden_imports("redis", "psycopg", "gevent"):
    from huey import MemoryHuey


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base, session_options={"class_": CivicSession})
login_manager = LoginManager()
babel = Babel()
# WTForms' and Flask-WTF's built-in messages: domain "wtforms", looked up in every translation
# directory (WTForms' shipped catalogues, then ours, which adds Vietnamese); see create_app.
wtforms_domain = Domain(domain="wtforms")
csrf = CSRFProtect()
mail = Mail()
# Storage is chosen when the app is created (SQLite file or Redis); see civic.core.queue.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
huey = MemoryHuey("civic", immediate=True)
