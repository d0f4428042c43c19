"""Configuration from the environment, SQLite settings, the CLI."""

import threading

import pytest
import sqlalchemy as sa

from civic import create_app
from civic.config import ConfigError, load_config, normalise_database_url


def test_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("CIVIC_DEBUG", raising=False)
    monkeypatch.setenv("CIVIC_DATA_DIR", str(tmp_path))
    with pytest.raises(ConfigError):
        load_config()


def test_secret_key_file_in_data_dir_is_used(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / "secret_key").write_text("from-file-0123456789\n")
    cfg = load_config({"CIVIC_DATA_DIR": str(tmp_path)})
    assert cfg["SECRET_KEY"] == "from-file-0123456789"


def test_environment_is_read(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("CIVIC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/civic")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("CIVIC_BASE_URL", "https://phuong.example.vn/")
    monkeypatch.setenv("CIVIC_TIMEZONE", "Asia/Ho_Chi_Minh")
    monkeypatch.setenv("CIVIC_DEFAULT_LOCALE", "en")
    cfg = load_config()
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/civic"
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert cfg["CIVIC_BASE_URL"] == "https://phuong.example.vn"
    assert cfg["BABEL_DEFAULT_LOCALE"] == "en"
    # Served over https: cookies are Secure, HttpOnly, SameSite.
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["SESSION_COOKIE_HTTPONLY"]
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_optional_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("CIVIC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CIVIC_WARD_NAME", "Phường Quang Trung")
    monkeypatch.setenv("CIVIC_CONTACT_IMPORT_MAX_ROWS", "500")
    monkeypatch.setenv("CIVIC_ELECTION_REMINDERS", '[{"milestones": "*", "days_before": 1, "at": "07:30"}]')
    cfg = load_config()
    assert cfg["CIVIC_WARD_NAME"] == "Phường Quang Trung"
    assert cfg["CIVIC_CONTACT_IMPORT_MAX_ROWS"] == 500
    assert cfg["CIVIC_ELECTION_REMINDERS"] == [{"milestones": "*", "days_before": 1, "at": "07:30"}]
    assert "CIVIC_AUTH_RATE_LIMIT" not in cfg  # unset: the code's default applies


@pytest.mark.parametrize("name, value", [("CIVIC_CONTACT_IMPORT_MAX_ROWS", "nhiều"),
                                         ("CIVIC_ELECTION_REMINDERS", "{not json"),
                                         ("CIVIC_ELECTION_REMINDERS", '{"days_before": 1}')])
def test_a_malformed_optional_setting_stops_startup_with_its_name(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config({"CIVIC_DATA_DIR": str(tmp_path)})


def test_default_database_is_sqlite_in_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    cfg = load_config({"CIVIC_DATA_DIR": str(tmp_path), "TESTING": True})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'civic.sqlite3'}"
    assert normalise_database_url("postgresql://a@b/c") == "postgresql+psycopg://a@b/c"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    from civic.extensions import db

    app = create_app({"TESTING": True, "CIVIC_DATA_DIR": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        db.engine.dispose()


def test_concurrent_sqlite_writers_wait_instead_of_failing(tmp_path):
    """Many threads writing at once: every write lands, none sees "database is locked"."""
    from civic.extensions import db

    app = create_app({"TESTING": True, "CIVIC_DATA_DIR": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    with app.app_context():
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
            conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    errors = []

    def bump():
        with app.app_context():
            try:
                for _ in range(20):
                    # Read then write in one transaction: the pattern that fails without BEGIN IMMEDIATE.
                    n = db.session.execute(sa.text("SELECT n FROM counter")).scalar()
                    db.session.execute(sa.text("UPDATE counter SET n = :n"), {"n": n + 1})
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert errors == []
        assert db.session.execute(sa.text("SELECT n FROM counter")).scalar() == 160
        db.engine.dispose()


def test_civic_help_lists_the_commands(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from civic.cli import main

    monkeypatch.setenv("CIVIC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("db", "demo", "users", "tokens", "worker", "contacts", "run", "shell"):
        assert command in result.output
