"""Atom feeds parse without error in a real feed reader; Vietnamese intact; sitemap; robots."""

from __future__ import annotations

import feedparser


def test_atom_feed_is_valid_and_vietnamese_is_intact(make_article, client):
    make_article("Phường tổ chức hội nghị triển khai công tác năm 2021, mừng Đảng, mừng xuân Tân Sửu",
                 summary="Sáng ngày 29/01, hội nghị có sự tham dự của lãnh đạo Đảng ủy – HĐND – UBND.",
                 body="<p>Nội dung có ký tự đặc biệt: &amp; &lt; “ngoặc kép” — gạch.</p>")
    make_article("Thông báo lịch tiếp công dân", category="thong-bao")
    response = client.get("/tin-tuc/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    titles = [e.title for e in feed.entries]
    assert "Phường tổ chức hội nghị triển khai công tác năm 2021, mừng Đảng, mừng xuân Tân Sửu" in titles
    entry = next(e for e in feed.entries if "hội nghị" in e.title)
    assert entry.link.startswith("http://localhost/tin-tuc/phuong-to-chuc-hoi-nghi")
    assert "Đảng ủy – HĐND" in entry.summary
    assert "“ngoặc kép”" in entry.content[0].value


def test_category_feed_only_has_its_category(make_article, client):
    make_article("Tin chung")
    make_article("Thông báo nghỉ Tết", category="thong-bao")
    feed = feedparser.parse(client.get("/tin-tuc/chuyen-muc/thong-bao/feed.atom").data)
    assert feed.bozo == 0
    assert [e.title for e in feed.entries] == ["Thông báo nghỉ Tết"]
    assert client.get("/tin-tuc/chuyen-muc/khong-co/feed.atom").status_code == 404


def test_empty_feed_is_still_valid(client, categories):
    feed = feedparser.parse(client.get("/tin-tuc/feed.atom").data)
    assert feed.bozo == 0 and feed.entries == []


def test_sitemap_lists_published_articles_only(make_article, client):
    published = make_article("Bài đã đăng")
    draft = make_article("Bài nháp", status="draft")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.get_data(as_text=True)
    assert f"<loc>http://localhost/tin-tuc/{published.slug}</loc>" in xml
    assert draft.slug not in xml
    assert "<loc>http://localhost/tin-tuc/chuyen-muc/bau-cu</loc>" in xml
    import xml.etree.ElementTree as ET

    ET.fromstring(response.data)  # noqa: S314 - our own output, checked to be well-formed


def test_robots_points_to_the_sitemap(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in text
    assert "Disallow: /tin-tuc/quan-ly/" in text
