"""A body pasted as plain text (what a textarea gets from Word) keeps its paragraphs and lines."""

from __future__ import annotations

from civic.news.services import body_to_html

WORD_PASTE = (
    "Thông báo lịch tiêm chủng\r\n"
    "\r\n"
    "Trạm y tế phường tổ chức tiêm chủng mở rộng.\r\n"
    "Thời gian: 07:30–11:00, thứ Bảy.\r\n"
    "\r\n"
    "\r\n"
    "Đề nghị các gia đình mang theo sổ tiêm & giấy tờ < cần thiết >."
)


def test_blank_lines_make_paragraphs_and_single_breaks_make_br():
    html = body_to_html(WORD_PASTE, "html")
    assert html == (
        "<p>Thông báo lịch tiêm chủng</p>"
        "<p>Trạm y tế phường tổ chức tiêm chủng mở rộng.<br>Thời gian: 07:30–11:00, thứ Bảy.</p>"
        "<p>Đề nghị các gia đình mang theo sổ tiêm &amp; giấy tờ &lt; cần thiết &gt;.</p>"
    )


def test_plain_text_with_inline_markup_keeps_it_and_still_gets_paragraphs():
    html = body_to_html("Dòng <b>một</b>\nDòng hai\n\nĐoạn <script>alert(1)</script>hai", "html")
    assert html == "<p>Dòng <b>một</b><br>Dòng hai</p><p>Đoạn hai</p>"


def test_html_input_is_unchanged():
    source = "<p>Đoạn một</p>\n\n<p>Đoạn hai\ncùng đoạn</p>"
    assert body_to_html(source, "html") == "<p>Đoạn một</p>\n\n<p>Đoạn hai\ncùng đoạn</p>"


def test_markdown_input_is_unchanged():
    assert body_to_html("Đoạn một\ndòng tiếp\n\n- mục", "markdown") == (
        "<p>Đoạn một\ndòng tiếp</p>\n<ul>\n<li>mục</li>\n</ul>"
    )


def test_single_line_and_empty_text():
    assert body_to_html("Một dòng thôi", "html") == "<p>Một dòng thôi</p>"
    assert body_to_html("  \n\n ", "html") == ""
