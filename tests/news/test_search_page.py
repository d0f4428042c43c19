"""The search page reads plain cards (civic.news.services.search_page) and keeps its category
list per process: what it shows must match the articles, and a change shows on the next render."""

from __future__ import annotations

from civic.extensions import db


def _page(client, **query) -> str:
    response = client.get("/tin-tuc/tim-kiem", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_cards_show_cover_category_and_highlighted_snippet(client, make_article, editor, jpeg_bytes):
    from civic.news import services

    with_cover = make_article("Hội nghị cử tri phường", category="thong-bao",
                              body="<p>Cử tri gặp gỡ đại biểu tại nhà văn hóa.</p>")
    services.add_image(with_cover, jpeg_bytes(size=(40, 30), exif=False), "cover", "Ảnh hội nghị", editor)
    make_article("Hội nghị không có ảnh", category="bau-cu")
    db.session.commit()
    cover = with_cover.cover
    html = _page(client, q="hoi nghi")
    assert cover.path("thumb", "webp") in html and cover.path("thumb", "jpg") in html
    assert html.count(cover.key) == 2  # the one card with a cover: its webp and jpg sources
    assert '<a href="/tin-tuc/chuyen-muc/thong-bao">Thông báo</a>' in html
    assert '<a href="/tin-tuc/chuyen-muc/bau-cu">Bầu cử</a>' in html
    assert f'href="/tin-tuc/{with_cover.slug}"' in html
    assert "<mark>Cử</mark> <mark>tri</mark> gặp gỡ" in _page(client, q="cu tri")


def test_a_new_or_renamed_category_shows_on_the_next_render(client, make_article):
    from civic.news import services
    from civic.news.models import Category

    make_article("Hội nghị tổng kết")
    assert "Văn hóa – Thể thao" not in _page(client, q="hoi nghi")
    services.create_category("Văn hóa – Thể thao")
    db.session.commit()
    assert '<option value="van-hoa-the-thao">Văn hóa – Thể thao</option>' in _page(client, q="hoi nghi")
    category = db.session.scalar(db.select(Category).where(Category.slug == "thong-bao"))
    category.name = "Thông báo của phường"
    db.session.commit()
    html = _page(client, q="hoi nghi", category="thong-bao")
    assert '<option value="thong-bao" selected>Thông báo của phường</option>' in html


def test_category_filter_from_the_kept_list(client, make_article):
    make_article("Hội nghị về tiêm chủng", category="thong-bao")
    make_article("Hội nghị bầu cử", category="bau-cu")
    def shown(**query):
        return _page(client, q="hoi nghi", **query).replace("<mark>", "").replace("</mark>", "")

    assert "Hội nghị bầu cử" in shown(category="bau-cu") and "tiêm chủng" not in shown(category="bau-cu")
    everything = shown(category="khong-co")  # an unknown category: every category
    assert "Hội nghị bầu cử" in everything and "Hội nghị về tiêm chủng" in everything
