"""`civic users create`, `civic tokens create` and the demo ward."""

from __future__ import annotations

import re

import sqlalchemy as sa


def _user(email):
    from civic.accounts.models import User
    from civic.extensions import db

    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_users_create_with_password(app):
    from civic.accounts.services import authenticate

    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "Can.Bo@Phuong.vn", "--name", "Trần  Thị Bích", "--role", "editor",
              "--password", "mat-khau-can-bo-1", "--phone", "0912 345 678"]
    )
    assert result.exit_code == 0, result.output
    user = _user("can.bo@phuong.vn")
    assert (user.full_name, user.role, user.phone) == ("Trần Thị Bích", "editor", "+84912345678")
    assert user.is_verified
    assert authenticate("can.bo@phuong.vn", "mat-khau-can-bo-1").id == user.id


def test_users_create_prompts_for_the_password_with_confirmation(app):
    from civic.accounts.services import authenticate

    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "a@phuong.vn", "--name", "Lê Văn A", "--role", "admin"],
        input="mat-khau-quan-tri\nmat-khau-quan-tri\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert authenticate("a@phuong.vn", "mat-khau-quan-tri").role == "admin"
    mismatch = runner.invoke(
        args=["users", "create", "--email", "b@phuong.vn", "--name", "B", "--role", "admin"],
        input="mat-khau-mot-1\nmat-khau-hai-2\nmat-khau-ba-333\nmat-khau-ba-333\n",
    )
    assert mismatch.exit_code == 0, mismatch.output
    assert authenticate("b@phuong.vn", "mat-khau-ba-333") is not None


def test_users_create_errors_exit_1_and_write_nothing(app, make_user):
    runner = app.test_cli_runner()
    make_user(email="trung@phuong.vn")
    cases = [
        (["--email", "x@phuong.vn", "--name", "X", "--role", "vua", "--password", "mat-khau-du-dai"], "unknown role"),
        (["--email", "TRUNG@phuong.vn", "--name", "X", "--role", "resident", "--password", "mat-khau-du-dai"], "already exists"),
        (["--email", "khong-hop-le", "--name", "X", "--password", "mat-khau-du-dai"], "không hợp lệ"),
        (["--email", "y@phuong.vn", "--name", "Y", "--password", "ngan"], "ít nhất 10"),
        (["--email", "z@phuong.vn", "--name", "Z", "--password", "mat-khau-du-dai", "--phone", "123"], "phone"),
        (["--email", "w@phuong.vn", "--name", "W" * 500, "--password", "mat-khau-du-dai"], "quá dài"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (message, result.output)
    for email in ("x@phuong.vn", "y@phuong.vn", "z@phuong.vn", "w@phuong.vn"):
        assert _user(email) is None


def test_tokens_create_prints_the_token_alone_on_the_last_line(app, make_user):
    from civic.accounts.services import user_for_token

    user = make_user(role="organizer")
    result = app.test_cli_runner().invoke(args=["tokens", "create", user.email, "--name", "máy chủ"])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"civic_[A-Za-z0-9_-]{20,}", last)
    assert user_for_token(last).id == user.id


def test_tokens_create_errors(app, make_user):
    runner = app.test_cli_runner()
    resident = make_user()
    assert runner.invoke(args=["tokens", "create", "khong-co@phuong.vn"]).exit_code == 1
    assert runner.invoke(args=["tokens", "create", resident.email]).exit_code == 1


def test_demo_is_idempotent_and_believable(app):
    from civic.accounts import demo
    from civic.accounts.models import ResidentialGroup, User
    from civic.accounts.services import authenticate
    from civic.core.phone import normalize_phone
    from civic.extensions import db

    def counts():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(User)),
            db.session.scalar(sa.select(sa.func.count()).select_from(ResidentialGroup)),
            db.session.scalar(sa.select(sa.func.max(User.updated_at))),
        )

    first = demo.load_demo()
    after_first = counts()
    second = demo.load_demo()
    assert counts() == after_first
    assert after_first[:2] == (303, 12)
    assert "(thêm mới 300)" in first[1] and "(thêm mới 0)" in second[1]
    users = db.session.scalars(sa.select(User)).all()
    residents = [u for u in users if u.role == "resident"]
    assert len({u.full_name for u in residents}) > 200  # varied names
    assert len({u.full_name.split()[0] for u in residents}) >= 12  # many family names
    assert all(re.fullmatch(r"[a-z]+(\.[a-z]+)+\.\d+@example\.vn", u.email) for u in residents)
    assert any(u.full_name.startswith("Nguyễn") for u in residents)
    phones = [u.phone for u in residents if u.phone]
    assert len(phones) > 200 and all(normalize_phone(p) == p and p.startswith("+84") for p in phones)
    per_group = {}
    for u in residents:
        per_group[u.residential_group_id] = per_group.get(u.residential_group_id, 0) + 1
    assert len(per_group) == 12 and min(per_group.values()) >= 10
    roles = {u.email: u.role for u in users if u.email.endswith("@phuong.example.vn")}
    assert roles == {"admin@phuong.example.vn": "admin", "bientap@phuong.example.vn": "editor",
                     "tochuc@phuong.example.vn": "organizer"}
    assert authenticate("admin@phuong.example.vn", demo.DEMO_PASSWORD).role == "admin"
    assert db.session.scalars(sa.select(User).where(User.search_folded.like("nguyen %"))).first() is not None
