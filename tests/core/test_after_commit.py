"""core.db: one transaction idiom, and what is announced is heard only after the commit."""

from __future__ import annotations

import pytest
from blinker import Namespace

from civic.accounts.models import User
from civic.core.db import after_commit, announce, transaction
from civic.extensions import db

_signals = Namespace()
thing_saved = _signals.signal("test.thing-saved")


def _user(email: str) -> User:
    return User(email=email, full_name="Nguyễn Văn An", password_hash="x")


def test_callback_runs_after_the_commit_and_sees_the_saved_row(app):
    seen = []
    with app.app_context():
        with transaction():
            db.session.add(_user("an@example.vn"))
            after_commit(lambda: seen.append(db.session.query(User).filter_by(email="an@example.vn").count()))
            assert seen == []  # not before the commit
        assert seen == [1]


def test_callback_is_dropped_on_rollback(app):
    seen = []
    with app.app_context():
        with pytest.raises(RuntimeError):
            with transaction():
                db.session.add(_user("binh@example.vn"))
                after_commit(seen.append, "sent")
                raise RuntimeError("boom")
        with transaction():
            db.session.add(_user("chi@example.vn"))
        assert seen == []  # a later commit does not run what the rollback dropped
        assert db.session.query(User).filter_by(email="binh@example.vn").count() == 0


def test_nested_transactions_share_the_outer_commit(app):
    seen = []
    with app.app_context():
        with pytest.raises(ValueError):
            with transaction():
                db.session.add(_user("dung@example.vn"))
                with transaction():  # a service calling another service
                    db.session.add(_user("em@example.vn"))
                    after_commit(seen.append, "inner")
                assert seen == []  # the inner block did not commit on its own
                raise ValueError("the use case fails after the inner step")
        assert seen == []
        assert db.session.query(User).count() == 0


def test_announce_sends_the_signal_after_commit_and_survives_a_broken_receiver(app):
    heard = []

    def broken(sender, **kwargs):
        raise RuntimeError("a receiver that fails")

    def listening(sender, **kwargs):
        heard.append((sender, kwargs["email"]))

    thing_saved.connect(broken)
    thing_saved.connect(listening)
    try:
        with app.app_context():
            with transaction():
                user = _user("giang@example.vn")
                db.session.add(user)
                announce(thing_saved, email=user.email)
                assert heard == []
            assert heard == [(app, "giang@example.vn")]
            assert db.session.query(User).filter_by(email="giang@example.vn").count() == 1
    finally:
        thing_saved.disconnect(broken)
        thing_saved.disconnect(listening)


def test_after_commit_with_nothing_pending_runs_now(app):
    seen = []
    with app.app_context():
        db.session.rollback()
        after_commit(seen.append, "now")
        assert seen == ["now"]


def test_a_callback_that_writes_in_its_own_transaction_commits(app):
    with app.app_context():
        def write_more():
            with transaction():
                db.session.add(_user("hoa@example.vn"))

        with transaction():
            db.session.add(_user("hai@example.vn"))
            after_commit(write_more)
        db.session.rollback()
        assert db.session.query(User).filter_by(email="hoa@example.vn").count() == 1


def test_an_inner_block_leaves_what_it_made_with_its_id(app):
    """A service nested in another's block returns its new row with an id, as when it committed
    alone (the schedule made a second event for an item whose first had no id yet)."""
    with app.app_context():
        with transaction():
            with transaction():
                user = _user("dung@example.vn")
                db.session.add(user)
            assert user.id is not None
