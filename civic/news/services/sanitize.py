"""Article text in: the HTML allow-list, Markdown and plain-text bodies, one-line fields."""

from __future__ import annotations

import html as html_lib
import re

import nh3

from civic.core.text import clean_line, nfc
from civic.news.models import BodyFormat

ALLOWED_TAGS = {
    "h2", "h3", "h4", "p", "br", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "strong", "em", "b", "i", "blockquote",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
# Removed with everything inside them (Word's <xml>/<style> blocks, scripts, embeds).
DROP_WITH_CONTENT = {"script", "style", "xml", "iframe", "object", "embed", "noscript", "template", "svg", "math",
                     "head", "title", "textarea", "select"}
_HREF_RE = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
_SPAN_RE = re.compile(r"^[0-9]{1,2}$")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    value = value.strip()
    if tag == "a" and attr == "href":
        return value if _HREF_RE.match(value) else None
    if tag == "img" and attr == "src":
        if value.startswith("/media/") and ".." not in value:
            return value
        return value if value.lower().startswith("https://") else None
    if attr in {"colspan", "rowspan"}:
        return value if _SPAN_RE.match(value) else None
    return value


def sanitize_html(raw: str | None) -> str:
    """The allow-listed subset of ``raw``: what every article body is stored as."""
    if not raw:
        return ""
    cleaned = nh3.clean(
        nfc(raw),
        tags=ALLOWED_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
        strip_comments=True,
    )
    # Word leaves runs of empty paragraphs behind.
    cleaned = re.sub(r"(<p>(\s|&nbsp;|\u00a0)*</p>\s*)+", "", cleaned)
    return cleaned.strip()


def markdown_to_html(source: str) -> str:
    import markdown as markdown_lib  # defers Markdown (~3 MB) to editors saving an article

    return markdown_lib.markdown(source or "", extensions=["tables", "sane_lists"], output_format="html")


# A body with none of these tags is plain text (a paste from Word into the textarea): its line
# breaks are its structure. Inline tags (<b>, <a>) alone do not make it HTML.
_BLOCK_TAG_RE = re.compile(r"<\s*/?\s*(p|br|div|h[1-6]|ul|ol|li|table|tr|td|th|blockquote|pre|hr)\b", re.IGNORECASE)


def plain_text_to_html(text: str) -> str:
    """Blank lines separate paragraphs, a single line break becomes <br>."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p.strip() for p in re.split(r"\n[ \t\u00a0]*\n", text)]
    return "".join(
        "<p>" + "<br>".join(line.strip() for line in p.split("\n") if line.strip()) + "</p>" for p in paragraphs if p
    )


def body_to_html(body: str | None, body_format: str = BodyFormat.HTML) -> str:
    if body_format == BodyFormat.MARKDOWN:
        return sanitize_html(markdown_to_html(body or ""))
    if not _BLOCK_TAG_RE.search(body or ""):
        return sanitize_html(plain_text_to_html(body or ""))
    return sanitize_html(body or "")


_BREAK_RE = re.compile(r"<(br|/p|/h[2-4]|/li|/tr|/blockquote)\s*/?>")


def html_to_text(body_html: str) -> str:
    # Every search result's snippet reads this: a function replacement and split/join (the same
    # whitespace as \s) cost a third of the template expansion and re.sub they replace.
    text = nh3.clean(_BREAK_RE.sub(lambda m: " " + m.group(0), body_html or ""), tags=set())
    return " ".join(html_lib.unescape(text).split())


def plain_line(value: str | None) -> str:
    """One-line text fields (titles, captions): markup removed, whitespace collapsed."""
    text = html_lib.unescape(nh3.clean(nfc(value or ""), tags=set(), clean_content_tags={"script", "style"}))
    return clean_line(text)


def plain_text(value: str | None) -> str:
    text = html_lib.unescape(nh3.clean(nfc(value or ""), tags=set(), clean_content_tags={"script", "style"}))
    return re.sub(r"[ \t]+", " ", text).strip()

