def test_home_page_is_vietnamese(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Cổng thông tin phường" in html


def test_unknown_page_is_a_styled_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang này" in response.get_data(as_text=True)


def test_unreachable_database_is_a_vietnamese_503_not_a_500(tmp_path):
    from civic import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "CIVIC_DATA_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing-dir' / 'civic.sqlite3'}"})
    client = app.test_client()

    page = client.get("/")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "tạm thời gián đoạn" in page.get_data(as_text=True)

    api = client.get("/api/v1/elections")
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == 503


def test_database_lost_mid_session_is_a_503_for_a_signed_in_visitor(app, client, make_user, login, monkeypatch):
    """The user loader itself cannot reach the database: still a 503 page, not a 500."""
    import sqlalchemy as sa

    from civic.extensions import db

    user = make_user(role="organizer")
    login(user)

    def refuse(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("server closed the connection"))

    db.session.remove()
    monkeypatch.setattr(db.session, "get", refuse)
    monkeypatch.setattr(db.session, "execute", refuse)
    monkeypatch.setattr(db.session, "scalar", refuse)
    monkeypatch.setattr(db.session, "scalars", refuse)
    response = client.get("/")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert '<html lang="vi">' in html and "tạm thời gián đoạn" in html  # the styled page, as signed out



def test_a_connection_dropped_at_the_end_of_a_request_does_not_turn_it_into_a_500(tmp_path, monkeypatch):
    """PostgreSQL restarting between the response and the session's final rollback."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from civic import create_app
    from civic.extensions import db

    # An app of its own: the shared fixture keeps one app context open, so no request would end it.
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "CIVIC_DATA_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'civic.sqlite3'}"})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    original_close = Session.close
    calls = []
    app.teardown_appcontext(lambda exc: calls.append("request over"))  # runs before the session's

    def close_on_a_dead_connection(self):
        if calls == ["request over"]:
            calls.append("dead connection")
            raise sa.exc.OperationalError("ROLLBACK", {}, ConnectionResetError("terminating connection"))
        return original_close(self)

    monkeypatch.setattr(Session, "close", close_on_a_dead_connection)
    response = client.get("/")
    assert response.status_code == 200
    assert calls == ["request over", "dead connection"]
    monkeypatch.undo()
    assert client.get("/").status_code == 200
