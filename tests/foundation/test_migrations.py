"""The latest migration creates exactly the schema the models declare."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from civic.core.db import include_in_migrations


@pytest.fixture
def empty_app(request, db_backend, tmp_path):
    """An app on an empty database (no create_all): only migrations build the schema."""
    from civic import create_app
    from civic.extensions import db

    if db_backend == "postgresql":
        # A database of its own: the shared per-worker one already has create_all's tables.
        base = sa.engine.make_url(request.getfixturevalue("pg_url"))
        name = f"{base.database}_migrations"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = base.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "CIVIC_DATA_DIR": str(tmp_path), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_latest_migration_matches_models(empty_app):
    from civic.extensions import db

    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_in_migrations}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_migrated_database_searches_news_without_tone_marks(empty_app):
    """The search index (FTS5 / tsvector) comes from the migration, not from create_all."""
    from civic.accounts.services import create_user
    from civic.extensions import db
    from civic.news.services import ArticleInput, create_article, ensure_default_categories, search

    upgrade()
    ensure_default_categories()
    editor = create_user(email="bientap@example.vn", full_name="Lê Biên Tập", password="mat-khau-du-dai-1",
                         role="editor", verified=True)
    create_article(ArticleInput(title="Đại hội chi bộ khu phố", body="<p>Họp bàn đường điện</p>", status="published"), editor)
    db.session.commit()

    assert [a.title for a in search("dai hoi").items] == ["Đại hội chi bộ khu phố"]
    assert search("duong dien").total == 1
    assert search("hop cho").total == 0
