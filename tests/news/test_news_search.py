"""Search without tone marks (including đ), ranked title above body, highlighted; odd queries."""

from __future__ import annotations

import pytest

from civic.news import services
from civic.news.services import fulltext


@pytest.fixture
def corpus(make_article):
    return {
        "title": make_article("Phường tổ chức hội nghị triển khai công tác năm 2021",
                              summary="Sáng 29/01, hội nghị diễn ra tại hội trường.",
                              body="<p>Các đồng chí lãnh đạo tham dự.</p>"),
        "body": make_article("Tổng kết công tác năm 2020",
                             body="<p>Báo cáo được trình bày tại hội nghị cán bộ chủ chốt.</p>"),
        "street": make_article("Sửa chữa mặt Đường Đội Cấn",
                               body="<p>Đoạn đường qua tổ dân phố số 7 được trải nhựa.</p>"),
        "draft": make_article("Hội nghị chưa công bố", status="draft"),
        "other": make_article("Tiêm chủng cho trẻ em", category="thong-bao"),
    }


def titles(page):
    return [a.title for a in page.items]


def test_query_without_tone_marks_finds_vietnamese_text(corpus):
    result = services.search("hoi nghi")
    assert titles(result)[:2] == [corpus["title"].title, corpus["body"].title]  # title match ranks first
    assert corpus["draft"].title not in titles(result)
    assert result.total == 2


def test_d_finds_dj_and_case_is_ignored(corpus):
    assert titles(services.search("duong doi can")) == [corpus["street"].title]
    assert titles(services.search("ĐƯỜNG ĐỘI CẤN")) == [corpus["street"].title]
    assert titles(services.search("DUONG")) == [corpus["street"].title]


def test_prefix_of_the_last_word_matches_while_typing(corpus):
    assert corpus["street"].title in titles(services.search("doi ca"))


def test_category_filter(corpus):
    assert titles(services.search("tiem chung", category=services.get_category("thong-bao"))) == [
        corpus["other"].title]
    assert titles(services.search("tiem chung", category=services.get_category("bau-cu"))) == []


@pytest.mark.parametrize("query", ["!!!", "“”…—", '"*:^()', "OR AND NOT", "a" * 10_000, "hội " * 2500, "' OR 1=1 --",
                                   "NEAR(hoi nghi)", "\x00\x01", "-hoi", "hoi*"])
def test_odd_queries_give_a_sane_result(corpus, client, query):
    page = services.search(query)
    assert page.total >= 0
    response = client.get("/tin-tuc/tim-kiem", query_string={"q": query})
    assert response.status_code == 200
    api = client.get("/api/v1/articles", query_string={"q": query})
    assert api.status_code == 200
    assert "items" in api.get_json()


def test_results_page_highlights_folded_matches_and_escapes(corpus, client, make_article):
    make_article("Tin <b>đậm</b> về hội nghị")
    html = client.get("/tin-tuc/tim-kiem", query_string={"q": "hoi nghi"}).get_data(as_text=True)
    assert "<mark>hội</mark> <mark>nghị</mark>" in html
    assert "<b>đậm</b>" not in html  # the title was stored as plain text and is escaped anyway


def test_highlight_escapes_before_marking():
    marked = str(services.highlight('<script>alert("hội")</script> Hội nghị', "hoi"))
    assert "<script>" not in marked
    assert "&lt;script&gt;" in marked
    assert "<mark>hội</mark>" in marked and "<mark>Hội</mark>" in marked
    assert str(services.highlight("Đường Đội Cấn", "doi")) == "Đường <mark>Đội</mark> Cấn"


def test_broad_queries_list_title_matches_first_then_body(corpus, monkeypatch, make_article):
    monkeypatch.setattr(fulltext, "RANK_ALL_LIMIT", 1)  # the search module reads its own limits
    newer_body = make_article("Lịch sinh hoạt tháng sau", body="<p>Sau hội nghị, các tổ họp bàn.</p>")
    result = services.search("hoi nghi")
    assert result.total == 3
    assert titles(result) == [corpus["title"].title, newer_body.title, corpus["body"].title]
    second = services.search("hoi nghi", page=2, per_page=2)
    assert titles(second) == [corpus["body"].title]


def test_unpublished_and_edited_articles_leave_the_index(corpus, editor):
    article = corpus["street"]
    services.unpublish_article(article, editor)
    assert services.search("doi can").total == 0
    services.publish_article(article, editor)
    assert services.search("doi can").total == 1
    services.update_article(article, services.article_input_from(article, title="Sửa chữa phố Liễu Giai",
                                                                  body="<p>Trải nhựa.</p>"), editor)
    assert services.search("doi can").total == 0
    assert titles(services.search("lieu giai")) == ["Sửa chữa phố Liễu Giai"]


def test_counting_stops_at_the_cap_and_says_so(corpus, monkeypatch, client):
    monkeypatch.setattr(fulltext, "COUNT_CAP", 1)
    result = services.search("hoi nghi")
    assert result.total == 1 and result.more
    assert len(result.items) == 2  # the page itself is complete
    html = client.get("/tin-tuc/tim-kiem", query_string={"q": "hoi nghi"}).get_data(as_text=True)
    assert "Có hơn 1 kết quả" in html
    assert client.get("/api/v1/articles", query_string={"q": "hoi nghi"}).get_json()["more"] is True


def test_broad_query_reads_more_body_matches_when_the_newest_are_title_matches(corpus, monkeypatch, make_article):
    # The count's pass holds the newest matches; here they are title matches, so the body-only
    # part of the page needs a second, longer read.
    monkeypatch.setattr(fulltext, "RANK_ALL_LIMIT", 1)
    monkeypatch.setattr(fulltext, "COUNT_CAP", 1)
    newer_body = make_article("Lịch sinh hoạt tháng sau", body="<p>Sau hội nghị, các tổ họp bàn.</p>")
    newest_title = make_article("Hội nghị tổng kết năm")
    result = services.search("hoi nghi", per_page=4)
    assert titles(result) == [newest_title.title, corpus["title"].title, newer_body.title, corpus["body"].title]
    assert result.more
    assert titles(services.search("hoi nghi", page=2, per_page=3)) == [corpus["body"].title]


def test_snippet_starts_near_the_first_match_far_into_a_long_body():
    filler = "Các tổ dân phố họp bàn kế hoạch. " * 60  # ~2,000 characters before the match
    body = f"<p>{filler}</p><p>Phường tổ chức Hội nghị cử tri tại nhà văn hóa.</p>"
    marked = str(fulltext.snippet_of("Tóm tắt ngắn.", body, ["hoi", "nghi"]))
    assert marked.startswith("… ") and "<mark>Hội</mark> <mark>nghị</mark> cử tri" in marked
    # The first token that occurs anywhere wins, even when a later token occurs earlier.
    assert "<mark>Hội</mark>" in str(fulltext.snippet_of("Tóm tắt ngắn.", body, ["hoi", "tom"]))
    assert fulltext._first_match("x" * 510 + "Đội Cấn", ["doi"]) == 510  # across a chunk boundary
    assert fulltext._first_match("abc", ["zzz"]) == -1


def test_snippet_is_cut_between_words_never_inside_one():
    words = "nghị quyết thống nhất phân bổ ngân sách cho các tổ dân phố trong phường".split()
    text = " ".join(words[i % len(words)] for i in range(120))
    body = f"<p>{text} Danh sách cử tri được niêm yết tại nhà văn hóa. {text}</p>"
    for shift in range(8):  # wherever the cut would fall, it falls on a space
        marked = str(fulltext.snippet_of("", body[:3] + "x" * shift + body[3:], ["niem", "yet"]))
        inner = marked.removeprefix("… ").removesuffix(" …").replace("<mark>", "").replace("</mark>", "")
        assert marked.startswith("… ") and marked.endswith(" …")
        first, last = inner.split(" ")[0], inner.split(" ")[-1]
        assert first in words and last in words, (first, last)
        assert "<mark>niêm</mark> <mark>yết</mark>" in marked
