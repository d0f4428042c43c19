"""`civic demo`: one language in its report, counts of what is there and what was added, and one
ward name (the configured one) in the demo content and on every page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from civic.extensions import db

ENGLISH = re.compile(r"\b(added|articles|contacts|directory|invitees|recipients|messages sent|polling areas|"
                     r"news|invitations|elections|events|with)\b")
COUNT = re.compile(r"^(?P<what>[^:]+): (?P<total>\d+) \(thêm mới (?P<new>\d+)\)")


@pytest.fixture
def app_config():
    return {"CIVIC_WARD_NAME": "Phường Yên Hòa", "MAIL_BACKEND": "locmem"}


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_demo_report_is_vietnamese_and_counts_what_is_there(app, client):
    from civic.events.models import Event
    from civic.invitations.models import Contact
    from civic.news.models import Article
    from civic.portal.demo import load_demo

    first = load_demo()
    second = load_demo()
    for line in first + second:
        assert not ENGLISH.search(line), line
    firsts = {m["what"]: m for m in map(COUNT.match, first) if m}
    seconds = {m["what"]: m for m in map(COUNT.match, second) if m}
    assert {"Tổ dân phố", "Cư dân", "Tin bài", "Sự kiện", "Danh bạ", "Bầu cử", "Khu vực bỏ phiếu"} <= set(seconds)
    assert set(firsts) == set(seconds)
    for what, again in seconds.items():
        assert again["new"] == "0", what
        assert again["total"] == firsts[what]["total"] != "0", what
    assert int(seconds["Danh bạ"]["total"]) == db.session.scalar(sa.select(sa.func.count(Contact.id)))
    assert int(seconds["Tin bài"]["total"]) == db.session.scalar(sa.select(sa.func.count(Article.id)))

    # One ward: the configured name, nowhere another one.
    texts = [a.title + a.summary + a.body_html for a in db.session.scalars(sa.select(Article))]
    texts += [(e.venue_address or "") + (e.description_html or "") for e in db.session.scalars(sa.select(Event))]
    texts += [c.unit or "" for c in db.session.scalars(sa.select(Contact))]
    from civic.elections.models import Election, PollingArea

    texts += [a.station_name + a.station_address for a in db.session.scalars(sa.select(PollingArea))]
    texts += [e.description or "" for e in db.session.scalars(sa.select(Election))]
    joined = "\n".join(texts)
    assert "Vĩnh Phúc" not in joined and "Hòa Bình" not in joined
    assert "Phường Yên Hòa" in joined and "phường Yên Hòa" in joined and "phố Yên Hòa" in joined

    home = client.get("/").get_data(as_text=True)
    assert "<title>" in home and re.search(r"<title>[^<]* – Phường Yên Hòa</title>", home)
    header, _sep, rest = home.partition("</header>")
    assert "Phường Yên Hòa" in header
    assert "Ủy ban nhân dân phường Yên Hòa" in rest.partition("<footer")[2]
