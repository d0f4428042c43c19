"""Bodies are cleaned to an allow-list: no payload from this list survives."""

from __future__ import annotations

import pytest

from civic.news.services import markdown_to_html, plain_line, sanitize_html

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="https://ok.example/a.png" onerror="alert(1)">',
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    '<a href="javascript:alert(1)">bấm</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<svg onload=alert(1)><circle r=1></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    "<body onload=alert(1)>",
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<details open ontoggle=alert(1)>",
    '<p onmouseover="alert(1)">rê chuột</p>',
    "<<script>script>alert(1)<</script>/script>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<base href=\"javascript:alert(1)//\">",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>@import 'https://evil.example/x.css';</style>",
    "<!--<img src=x onerror=alert(1)>-->",
    '<p class="MsoNormal" style="mso-bidi-font-family:Times">Word<o:p></o:p></p>',
    "<table><tr><td background=\"javascript:alert(1)\">x</td></tr></table>",
    '<a href="/relative" target="_blank">x</a>',
    '<img src="//evil.example/x.png">',
    '<img src="/media/../secret_key">',
    '<img src="http://evil.example/x.png">',
]

FORBIDDEN = ["<script", "onerror", "onload", "onclick", "onmouseover", "ontoggle", "javascript:", "vbscript:",
             "data:", "<iframe", "<svg", "<object", "<embed", "style=", "<style", "mso-", "<meta", "<base", "<link",
             "<form", "<input", "expression(", "srcdoc", "background=", "class=", "<o:p", "target=", "//evil", "..",
             "http://evil"]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_is_neutralised(payload):
    cleaned = sanitize_html(payload).lower()
    for needle in FORBIDDEN:
        assert needle not in cleaned, (payload, cleaned)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_in_markdown_is_neutralised(payload):
    cleaned = sanitize_html(markdown_to_html(f"# Tiêu đề\n\n{payload}\n")).lower()
    for needle in FORBIDDEN:
        assert needle not in cleaned, (payload, cleaned)


def test_allowed_markup_survives():
    source = (
        "<h2>Kết quả</h2><p>Năm <strong>2020</strong>, <em>phường</em> đã <b>hoàn thành</b> <i>kế hoạch</i>.</p>"
        "<ul><li>Một</li></ul><ol><li>Hai</li></ol><blockquote>Trích dẫn</blockquote>"
        '<p><a href="https://phuong.example.vn/x">Xem</a> <a href="mailto:ubnd@phuong.example.vn">thư</a></p>'
        '<img src="/media/news/2021/01/abc-content.jpg" alt="Hội nghị"><img src="https://cdn.example/a.jpg" alt="">'
        "<table><thead><tr><th>Tổ</th></tr></thead><tbody><tr><td>Tổ 3</td></tr></tbody></table><h3>a</h3><h4>b</h4>"
    )
    cleaned = sanitize_html(source)
    for needle in ["<h2>Kết quả</h2>", "<strong>2020</strong>", "<em>phường</em>", "<ul><li>Một</li></ul>",
                   "<blockquote>", '<a href="https://phuong.example.vn/x" rel="noopener">',
                   'href="mailto:ubnd@phuong.example.vn"', 'src="/media/news/2021/01/abc-content.jpg"',
                   'alt="Hội nghị"', "<table>", "<th>Tổ</th>", "<td>Tổ 3</td>", "<h3>", "<h4>"]:
        assert needle in cleaned, needle


def test_word_paste_is_cleaned_not_stored_raw():
    word = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{mso-style-parent:"";}'
        "</style><xml><w:WordDocument><w:View>Normal</w:View></w:WordDocument></xml></head><body>"
        "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]-->"
        '<p class=MsoNormal style="margin:0cm;mso-line-height-alt:12pt"><span lang=VI style="font-size:13.0pt;'
        'font-family:&quot;Times New Roman&quot;">Sáng ngày 29/01, phường tổ chức hội nghị.<o:p></o:p></span></p>'
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
        '<p class=MsoListParagraph style="mso-list:l0 level1 lfo1"><b>Kết quả năm 2020</b></p></body></html>'
    )
    cleaned = sanitize_html(word)
    assert cleaned == "<p>Sáng ngày 29/01, phường tổ chức hội nghị.</p><p><b>Kết quả năm 2020</b></p>"


def test_broken_html_is_repaired():
    cleaned = sanitize_html("<p><strong>Chưa đóng <em>thẻ<p>đoạn hai</table></li>")
    assert cleaned.count("<strong>") == cleaned.count("</strong>")
    assert "đoạn hai" in cleaned


def test_one_line_fields_lose_markup():
    assert plain_line('<script>alert(1)</script>Thông <b>báo</b>  <img src=x onerror=alert(1)>lịch') == "Thông báo lịch"
