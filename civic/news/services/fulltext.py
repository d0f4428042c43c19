"""Searching published articles, tone marks optional, and marking the matches.

SQLite answers through the FTS5 table, PostgreSQL through the stored weighted tsvector (both made
by civic.news.models' DDL over the folded copies), any other database through LIKE. The module
is not called ``search``: that is the name of its entry point, re-exported by the package.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import sqlalchemy as sa
from markupsafe import Markup, escape

from civic.core.db import is_postgres, is_sqlite
from civic.core.text import fold, nfc, strip_marks
from civic.extensions import db
from civic.news.models import Article, ArticleStatus, Category
from civic.news.services.queries import PER_PAGE, Page, public_filter, with_images
from civic.news.services.sanitize import html_to_text

QUERY_MAX_TOKENS = 8

_TOKEN_RE = re.compile(r"[a-z0-9]+")


def query_tokens(query: str | None) -> list[str]:
    """Folded words of a query ("Hội nghị!" -> ["hoi", "nghi"]), at most 8, each at most 40 chars."""
    return [t[:40] for t in _TOKEN_RE.findall(fold((query or "")[:1000]))][:QUERY_MAX_TOKENS]


def search(query: str | None, page: int = 1, category: Category | None = None, per_page: int = PER_PAGE,
           load: Callable[[list[int]], list] | None = None) -> Page:
    """Published articles matching every word of ``query`` (folded), title matches above body matches.

    ``load(ids)`` reads the page's items in that order (default: the articles with their images
    and tags); a caller that shows less reads less."""
    tokens = query_tokens(query)
    page = max(1, min(int(page or 1), 100_000))
    if not tokens:
        return Page(items=[], page=page, per_page=per_page, total=0)
    if is_sqlite():
        ids, total, more = _search_sqlite(tokens, page, per_page, category)
    elif is_postgres():
        ids, total, more = _search_postgres(tokens, page, per_page, category)
    else:
        ids, total, more = _search_like(tokens, page, per_page, category)
    items = (load or _load_articles)(ids) if ids else []
    return Page(items=items, page=page, per_page=per_page, total=total, more=more)


def _load_articles(ids: list[int]) -> list[Article]:
    by_id = {a.id: a for a in db.session.scalars(with_images(sa.select(Article).where(Article.id.in_(ids))))}
    return [by_id[i] for i in ids if i in by_id]


@functools.lru_cache(maxsize=64)
def _text(sql: str) -> sa.TextClause:
    """sa.text() parses its binds with a regex on each call; the statements here are a few dozen."""
    return sa.text(sql)


def _search_like(tokens: list[str], page: int, per_page: int, category: Category | None) -> tuple[list[int], int, bool]:
    """Any other database: LIKE over the folded columns (correct, not fast)."""
    stmt = sa.select(Article.id).where(public_filter())
    for token in tokens:
        pattern = f"%{token}%"
        stmt = stmt.where(sa.or_(Article.title_folded.like(pattern), Article.body_folded.like(pattern)))
    if category is not None:
        stmt = stmt.where(Article.category_id == category.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    ids = list(db.session.scalars(stmt.order_by(Article.published_at.desc()).limit(per_page)
                                  .offset((page - 1) * per_page)))
    return ids, total, False


RANK_ALL_LIMIT = 1000  # up to this many matches are ranked by relevance; beyond, title matches stream first
COUNT_CAP = 1000  # SQLite counts matches up to here ("more than 1,000 results"): counting stops early


def _search_sqlite(tokens: list[str], page: int, per_page: int, category: Category | None) -> tuple[list[int], int, bool]:
    """FTS5 over the folded copies of published articles.

    Specific queries (up to 1,000 matches) are ranked by BM25 with the title weighted 10x the body.
    Broad queries would score tens of thousands of rows, so they list title matches first, then
    body-only matches, newest (highest id) first: FTS5 streams those in rowid order and stops at
    the page, and counting stops at 1,000, which keeps every query fast at 100,000 articles.
    Title matches come from the titles' own index; the body-only ones are the newest matches
    (read once, with the count) less the title matches.
    """
    # Quoted tokens are literal; the last one matches as a prefix while the visitor types.
    words = " ".join(f'"{t}"' for t in tokens[:-1]) + f' "{tokens[-1]}"*'
    offset = (page - 1) * per_page

    def matching(table: str) -> tuple[str, dict]:
        if category is None:
            return f"SELECT {table}.rowid FROM {table} WHERE {table} MATCH :q", {"q": words}
        # CROSS JOIN keeps the FTS table as the outer loop (one MATCH, not one per article row).
        return (f"SELECT {table}.rowid FROM {table} CROSS JOIN news_articles a ON a.id = {table}.rowid "
                f"WHERE {table} MATCH :q AND a.category_id = :category_id", {"q": words, "category_id": category.id})

    def ids_of(sql: str, params: dict, **more) -> list[int]:
        return [r[0] for r in db.session.execute(_text(sql), {**params, **more})]

    everything, params = matching("news_articles_fts")
    newest = f"{everything} ORDER BY news_articles_fts.rowid DESC LIMIT :limit OFFSET :offset"
    # One pass counts (up to the cap) and holds the newest matches the body-only list starts with.
    head = ids_of(newest, params, limit=COUNT_CAP + 1, offset=0)
    total = len(head)
    more = total > COUNT_CAP
    if not more and total <= RANK_ALL_LIMIT:
        ids = ids_of(f"{everything} ORDER BY bm25(news_articles_fts, 10.0, 1.0), news_articles_fts.rowid DESC "
                     "LIMIT :limit OFFSET :offset", params, limit=per_page, offset=offset)
    else:
        titles, title_params = matching("news_articles_title_fts")
        title_ids = ids_of(f"{titles} ORDER BY news_articles_title_fts.rowid DESC LIMIT :limit",
                           title_params, limit=offset + per_page)
        ids = title_ids[offset:]
        if len(ids) < per_page:
            # Fewer title matches than the page needs: title_ids holds all of them.
            in_title = set(title_ids)
            skip, want = max(0, offset - len(title_ids)), per_page - len(ids)
            body_only = [i for i in head if i not in in_title]
            if len(body_only) < skip + want and len(head) > COUNT_CAP:
                body_only = [i for i in ids_of(newest, params, limit=skip + want + len(in_title), offset=0)
                             if i not in in_title]
            ids += body_only[skip:skip + want]
    return ids, min(total, COUNT_CAP), more


def _search_postgres(tokens: list[str], page: int, per_page: int, category: Category | None) -> tuple[list[int], int, bool]:
    """The stored weighted tsvector (GIN), as on SQLite: specific queries (up to 1,000 matches)
    ranked by ts_rank; broad ones list title matches, then body-only matches, newest first, and
    counting stops at 1,000. An exact count and a sort of every match cost ~0.7 s at 100,000
    articles for a common word; newest-first with a LIMIT walks the (status, published_at) index
    and stops at the page. Title matches come from the title-only vector's GIN index."""
    words = " & ".join(tokens[:-1] + [tokens[-1] + ":*"])
    offset = (page - 1) * per_page
    params: dict = {"status": ArticleStatus.PUBLISHED.value, "q": words}
    where = "a.status = :status AND a.search_vector @@ to_tsquery('simple', :q)"
    if category is not None:
        where += " AND a.category_id = :category_id"
        params["category_id"] = category.id

    def ids_of(sql: str, **more) -> list[int]:
        return [r[0] for r in db.session.execute(_text(sql), {**params, **more})]

    total = db.session.execute(
        _text(f"SELECT count(*) FROM (SELECT 1 FROM news_articles a WHERE {where} LIMIT :cap) s"),
        {**params, "cap": COUNT_CAP + 1},
    ).scalar() or 0
    more = total > COUNT_CAP
    if not more and total <= RANK_ALL_LIMIT:
        ids = ids_of(f"SELECT a.id FROM news_articles a WHERE {where} ORDER BY "
                     "ts_rank(a.search_vector, to_tsquery('simple', :q)) DESC, a.published_at DESC "
                     "LIMIT :limit OFFSET :offset", limit=per_page, offset=offset)
    else:
        # The titles' own vector and index: matching the title weight of search_vector made
        # PostgreSQL recheck every row whose body holds the words.
        title = "a.title_vector @@ to_tsquery('simple', :q)"
        title_ids = ids_of(f"SELECT a.id FROM news_articles a WHERE {where} AND {title} "
                           "ORDER BY a.published_at DESC LIMIT :limit", limit=offset + per_page)
        ids = title_ids[offset:]
        if len(ids) < per_page:
            ids += ids_of(f"SELECT a.id FROM news_articles a WHERE {where} AND NOT ({title}) "
                          "ORDER BY a.published_at DESC LIMIT :limit OFFSET :offset",
                          limit=per_page - len(ids), offset=max(0, offset - len(title_ids)))
    return ids, min(total, COUNT_CAP), more


class _CharFolds(dict):
    """Code point -> its folded form, for str.translate (one C call per text): filled on first
    sight, text uses few distinct characters. Characters that fold to other than one character
    (a lone combining mark, "ß") are noted: only texts holding one need a position map."""

    odd: set[str] = set()

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = strip_marks(ch).casefold()
        if len(folded) != 1:
            self.odd.add(ch)
        if len(self) < 8192:
            self[code] = folded
        return folded


_char_folds = _CharFolds()


def _folded_with_positions(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded character by character, and where each folded character came from
    (None when every character folds to exactly one: then positions are the same)."""
    folded = text.translate(_char_folds)
    if len(folded) == len(text) and _char_folds.odd.isdisjoint(text):
        return folded, None
    chars: list[str] = []
    positions: list[int] = []
    for index, ch in enumerate(text):
        for part in _char_folds[ord(ch)]:
            chars.append(part)
            positions.append(index)
    return "".join(chars), positions


def highlight(text: str | None, query: str | None, tokens: list[str] | None = None) -> Markup:
    """``text`` escaped, with words matching the query (compared folded) wrapped in <mark>."""
    text = nfc(text or "")
    tokens = tokens if tokens is not None else query_tokens(query)
    if not tokens or not text:
        return escape(text)
    folded, positions = _folded_with_positions(text)
    out: list[str] = []
    cursor = 0
    for match in _marks_pattern(tuple(tokens)).finditer(folded):
        if positions is None:
            start, end = match.span()
        else:
            start, end = positions[match.start()], positions[match.end() - 1] + 1
        if start < cursor:
            continue
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("".join(out))  # noqa: S704 - every piece is escaped above


@functools.lru_cache(maxsize=256)
def _marks_pattern(tokens: tuple[str, ...]) -> re.Pattern:
    """Any of the tokens at a word start, longest first (one page highlights ~20 texts with it)."""
    return re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)) + ")")


_CHUNK = 512
_OVERLAP = 48  # a token (at most 40 characters) that starts in one chunk ends in its overlap


def _first_match(text: str, tokens: list[str]) -> int:
    """Where in ``text`` the first token that occurs at all first occurs (compared folded), or -1.

    A body runs to thousands of characters and the match is most often near its start: text is
    folded a chunk at a time, as far as the search needs."""
    chunks: list[tuple[str, list[int] | None]] = []
    for token in tokens:
        for index, begin in enumerate(range(0, len(text), _CHUNK)):
            if index == len(chunks):
                chunks.append(_folded_with_positions(text[begin:begin + _CHUNK + _OVERLAP]))
            folded, positions = chunks[index]
            found = folded.find(token)
            if found >= 0:
                return begin + (found if positions is None else positions[found])
    return -1


def snippet(article: Article, query: str | None, width: int = 240) -> Markup:
    """A highlighted extract of the summary/body around the first match."""
    return snippet_of(article.summary, article.body_html, query_tokens(query), width)


def snippet_of(summary: str | None, body_html: str | None, tokens: list[str], width: int = 240) -> Markup:
    """snippet() from the two columns it reads and the query's tokens."""
    text = f"{summary or ''} {html_to_text(body_html or '')}".strip()
    found = _first_match(text, tokens)
    start = max(0, found - 60) if found >= 0 else 0
    end = start + width
    # Cut between words, never inside one ("… ị thống nhất" read as garbage to a reader).
    if start > 0:
        space = text.find(" ", start, max(found, start))
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", max(found, start) + 1, end + 1)
        end = space if space > start else end
    extract = text[start:end]
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return escape(prefix) + highlight(extract, None, tokens) + escape(suffix)


