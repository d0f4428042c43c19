"""News search: a title-only full-text index (SQLite FTS5 table, PostgreSQL tsvector + GIN).

Broad queries list title matches first; with one index over title and body, finding the few
articles whose title holds every word meant reading (SQLite) or rechecking (PostgreSQL) every
article whose body does.

Revision ID: d0829246382a
Revises: 6d8dc29b77dc
Create Date: 2026-12-04 19:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd0829246382a'
down_revision = '6d8dc29b77dc'
branch_labels = None
depends_on = None

# Frozen copies of what civic.news.models' DDL adds (a later model change must not rewrite history).
SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS news_articles_title_fts USING fts5(title_folded, content='news_articles', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS news_articles_title_fts_ai AFTER INSERT ON news_articles WHEN new.status = 'published' BEGIN INSERT INTO news_articles_title_fts(rowid, title_folded) VALUES (new.id, new.title_folded); END",
    "CREATE TRIGGER IF NOT EXISTS news_articles_title_fts_ad AFTER DELETE ON news_articles WHEN old.status = 'published' BEGIN INSERT INTO news_articles_title_fts(news_articles_title_fts, rowid, title_folded) VALUES ('delete', old.id, old.title_folded); END",
    "CREATE TRIGGER IF NOT EXISTS news_articles_title_fts_au AFTER UPDATE OF title_folded, status ON news_articles BEGIN INSERT INTO news_articles_title_fts(news_articles_title_fts, rowid, title_folded) SELECT 'delete', old.id, old.title_folded WHERE old.status = 'published'; INSERT INTO news_articles_title_fts(rowid, title_folded) SELECT new.id, new.title_folded WHERE new.status = 'published'; END",
    # Only published articles are indexed, as the triggers keep it ('rebuild' would take drafts too).
    "INSERT INTO news_articles_title_fts(rowid, title_folded) SELECT id, title_folded FROM news_articles WHERE status = 'published'",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS news_articles_title_fts_ai",
    "DROP TRIGGER IF EXISTS news_articles_title_fts_ad",
    "DROP TRIGGER IF EXISTS news_articles_title_fts_au",
    "DROP TABLE IF EXISTS news_articles_title_fts",
]
POSTGRES_UP = [
    "ALTER TABLE news_articles ADD COLUMN IF NOT EXISTS title_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(title_folded, ''))) STORED",
    "CREATE INDEX IF NOT EXISTS ix_news_articles_title_search ON news_articles USING GIN (title_vector) "
    "WITH (fastupdate = off)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_news_articles_title_search",
    "ALTER TABLE news_articles DROP COLUMN IF EXISTS title_vector",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}.get(dialect, []):
        op.execute(statement)
