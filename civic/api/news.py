"""API: news. Routes call civic.news.services, the same services as the pages."""

from __future__ import annotations

from flask import g, jsonify, request, url_for
from flask_babel import gettext as _

from civic.api import bp
from civic.api.common import json_body, json_error, page_arg
from civic.core.permissions import Role, public, token_required
from civic.news import access, services
from civic.news.models import ArticleStatus, BodyFormat
from civic.news.services import ArticleInput, NewsError

WRITABLE = ("title", "summary", "body", "body_format", "category", "status", "publish_at", "tags", "byline", "slug",
            "regenerate_slug")


def _page_json(page) -> dict:
    return {
        "items": [services.article_dict(a, full=False) for a in page.items],
        "page": page.page,
        "pages": page.pages,
        "total": page.total,
        "more": bool(getattr(page, "more", False)),
    }


@bp.get("/articles")
@public
def list_articles():
    page = page_arg()
    category = access.viewable_category(request.args["category"]) if request.args.get("category") else None
    query = (request.args.get("q") or "")[:10_000]
    if query.strip():
        result = services.search(query, page, category=category)
    else:
        result = services.list_published(page, category=category)
    return jsonify(_page_json(result))


@bp.get("/articles/<slug>")
@public
def get_article(slug):
    article = access.viewable(None, slug)  # the public API: drafts are invisible even to editors
    if article.slug != slug:  # an old address
        response = jsonify(services.article_dict(article))
        response.status_code = 301
        response.headers["Location"] = url_for("api.get_article", slug=article.slug)
        return response
    return jsonify(services.article_dict(article))


def _input_from_json(data: dict, base: ArticleInput) -> ArticleInput:
    """Copy the given fields onto ``base``; wrong types answer 400 with a message."""
    unknown = sorted(set(data) - set(WRITABLE))
    if unknown:
        raise NewsError(_("Unknown fields: %(fields)s.", fields=", ".join(unknown)[:200]), unknown[0], 400)
    for name in WRITABLE:
        if name not in data:
            continue
        value = data[name]
        if name == "tags":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise NewsError(_("The field %(field)s must be a list of texts.", field=name), name, 400)
        elif name == "regenerate_slug":
            if not isinstance(value, bool):
                raise NewsError(_("The field %(field)s must be true or false.", field=name), name, 400)
        elif value is not None and not isinstance(value, str):
            raise NewsError(_("The field %(field)s must be a text.", field=name), name, 400)
        setattr(base, name, value if value is not None else ("" if name not in {"publish_at", "slug"} else None))
    # The stored body is HTML: a body format applies only to a body given with it (as on the page).
    base.body_format = (data.get("body_format") or BodyFormat.HTML) if "body" in data else BodyFormat.HTML
    return base


def news_error(exc: NewsError):
    """A NewsError as the API's JSON error (its 4xx, else 422), naming the field."""
    return json_error(exc.status if 400 <= exc.status < 500 else 422, str(exc), field=exc.field)


@bp.post("/articles")
@token_required(Role.EDITOR)
def create_article():
    data = json_body()
    try:
        article = services.create_article(_input_from_json(data, ArticleInput()), g.api_user)
    except NewsError as exc:
        return news_error(exc)
    response = jsonify(services.article_dict(article))
    response.status_code = 201
    response.headers["Location"] = services.article_url(article)
    return response


@bp.patch("/articles/<slug>")
@token_required(Role.EDITOR)
def update_article(slug):
    article = access.editable(g.api_user, slug)
    data = json_body()
    try:
        services.update_article(article, _input_from_json(data, services.article_input_from(article)), g.api_user)
    except NewsError as exc:
        return news_error(exc)
    return jsonify(services.article_dict(article))


@bp.delete("/articles/<slug>")
@token_required(Role.EDITOR)
def delete_article(slug):
    services.delete_article(access.editable(g.api_user, slug))
    return "", 204


# ----------------------------------------------------------------------------- OpenAPI

STATUSES = [status.value for status in ArticleStatus]  # the schema's enum follows the model's
_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_ARTICLE = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Article"}}}}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}

PATHS: dict = {
    "/articles": {
        "get": {
            "summary": "Published articles, newest first, or search results (q: tone marks optional)",
            "tags": ["news"],
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "category", "in": "query", "schema": {"type": "string"}, "description": "category slug"},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            ],
            "responses": {
                "200": {"description": "A page of articles",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ArticlePage"}}}},
                "400": {"description": "Bad page number", **_ERR},
                "404": {"description": "Unknown category", **_ERR},
            },
        },
        "post": {
            "summary": "Create an article (editors)",
            "tags": ["news"],
            "security": [{"bearer": []}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ArticleInput"}}}},
            "responses": {
                "201": {"description": "Created; Location is the article's page", **_ARTICLE},
                "400": {"description": "Malformed body", **_ERR},
                "401": {"description": "No or invalid token", **_ERR},
                "403": {"description": "Not an editor", **_ERR},
                "409": {"description": "Slug already used", **_ERR},
                "422": {"description": "Invalid values (message in Vietnamese)", **_ERR},
            },
        },
    },
    "/articles/{slug}": {
        "get": {
            "summary": "One published article (old slugs answer 301)",
            "tags": ["news"],
            "parameters": [_SLUG],
            "responses": {"200": {"description": "The article", **_ARTICLE},
                          "301": {"description": "Moved to the current slug"},
                          "404": {"description": "Not found", **_ERR}},
        },
        "patch": {
            "summary": "Change some fields of an article (editors)",
            "tags": ["news"],
            "security": [{"bearer": []}],
            "parameters": [_SLUG],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ArticleInput"}}}},
            "responses": {"200": {"description": "The article", **_ARTICLE},
                          "400": {"description": "Malformed body", **_ERR},
                          "401": {"description": "No or invalid token", **_ERR},
                          "403": {"description": "Not an editor", **_ERR},
                          "404": {"description": "Not found", **_ERR},
                          "409": {"description": "Slug already used", **_ERR},
                          "422": {"description": "Invalid values", **_ERR}},
        },
        "delete": {
            "summary": "Delete an article (editors)",
            "tags": ["news"],
            "security": [{"bearer": []}],
            "parameters": [_SLUG],
            "responses": {"204": {"description": "Deleted"},
                          "401": {"description": "No or invalid token", **_ERR},
                          "403": {"description": "Not an editor", **_ERR},
                          "404": {"description": "Not found", **_ERR}},
        },
    },
}

SCHEMAS: dict = {
    "Article": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "url": {"type": "string", "format": "uri", "description": "absolute address of the article page"},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "body": {"type": "string", "description": "sanitised HTML"},
            "category": {"type": "string"},
            "category_name": {"type": "string"},
            "status": {"type": "string", "enum": STATUSES},
            "pinned": {"type": "boolean"},
            "byline": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "published_at": {"type": ["string", "null"], "format": "date-time"},
            "publish_at": {"type": ["string", "null"], "format": "date-time"},
            "updated_at": {"type": ["string", "null"], "format": "date-time"},
            "cover": {"type": ["string", "null"], "format": "uri"},
            "cover_id": {"type": ["integer", "null"], "description": "the cover picture's id (images routes)"},
            "album": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "url": {"type": "string"}, "caption": {"type": "string"}}}},
        },
        "required": ["id", "slug", "url", "title", "status"],
    },
    "ArticlePage": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Article"}},
            "page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"},
            "more": {"type": "boolean", "description": "search only: more matches than total (counting stopped)"},
        },
        "required": ["items", "page", "pages", "total"],
    },
    "ArticleInput": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "maxLength": 250},
            "summary": {"type": "string"},
            "body": {"type": "string", "description": "HTML or Markdown (body_format); sanitised to an allow-list"},
            "body_format": {"type": "string", "enum": [str(v) for v in BodyFormat],
                            "description": "how body is written; default html"},
            "regenerate_slug": {"type": "boolean",
                                "description": "make a new address from the title (the old one keeps working)"},
            "category": {"type": "string", "description": "category slug; default tin-tuc-su-kien"},
            "status": {"type": "string", "enum": STATUSES},
            "publish_at": {"type": ["string", "null"], "format": "date-time",
                           "description": "ISO 8601; required and in the future when status is scheduled"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "byline": {"type": "string"},
            "slug": {"type": ["string", "null"]},
        },
        "additionalProperties": False,
    },
}
