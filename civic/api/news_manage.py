"""API, news: categories, publishing, pinning and photos (editor token).

Each route calls the same service, with the same validation, as the page it mirrors."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from civic.api import bp
from civic.api.common import json_body, json_error
from civic.api.news import news_error
from civic.core.permissions import Role, public, token_required
from civic.news import access, services
from civic.news.models import ImageKind
from civic.news.services import NewsError


def _text(data: dict, name: str, default: str = "") -> str:
    """A text field of the body (absent or null: ``default``); another type is refused with a 400."""
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise NewsError(_("The field %(field)s must be a text.", field=name), name, 400)
    return value


def _category_json(category) -> dict:
    return {"id": category.id, "slug": category.slug, "name": category.name,
            "description": category.description, "position": category.position}


def _article(article):
    return jsonify(services.article_dict(article))


# ----------------------------------------------------------------------------- categories


@bp.get("/categories")
@public
def list_categories():
    """Every category is public (the news pages list them for everyone)."""
    return jsonify({"items": [_category_json(c) for c in services.list_categories()]})


@bp.post("/categories")
@token_required(Role.EDITOR)
def create_category():
    data = json_body()
    try:
        category = services.create_category(_text(data, "name"), _text(data, "description"))
    except NewsError as exc:
        return news_error(exc)
    return jsonify(_category_json(category)), 201


# ----------------------------------------------------------------------------- workflow


@bp.post("/articles/<slug>/publish")
@token_required(Role.EDITOR)
def publish_article(slug):
    return _article(services.publish_article(access.editable(g.api_user, slug), g.api_user))


@bp.post("/articles/<slug>/unpublish")
@token_required(Role.EDITOR)
def unpublish_article(slug):
    return _article(services.unpublish_article(access.editable(g.api_user, slug), g.api_user))


@bp.post("/articles/<slug>/pin")
@token_required(Role.EDITOR)
def pin_article(slug):
    article = access.editable(g.api_user, slug)
    data = json_body()
    pinned = data.get("pinned")
    if not isinstance(pinned, bool):
        return json_error(400, _("The field %(field)s must be true or false.", field="pinned"), field="pinned")
    try:
        services.set_pinned(article, pinned, g.api_user)
    except NewsError as exc:
        return news_error(exc)
    return _article(article)


# ----------------------------------------------------------------------------- pictures


@bp.post("/articles/<slug>/images")
@token_required(Role.EDITOR)
def upload_article_images(slug):
    article = access.editable(g.api_user, slug)
    kind = request.form.get("kind") or ImageKind.ALBUM.value
    if kind not in set(ImageKind):
        return json_error(422, _("The picture's kind must be the cover or the album."), field="kind")
    files = request.files.getlist("images")
    if kind == ImageKind.COVER and len([f for f in files if f and f.filename]) > 1:
        return json_error(422, _("An article has one cover photo: send one picture."), field="images")
    try:
        added, refused = services.add_images(article, files, kind, request.form.get("caption") or "", g.api_user)
    except NewsError as exc:
        return news_error(exc)
    refused_json = [{"file": name, "message": reason} for name, reason in refused]
    if not added:
        return json_error(422, _("%(file)s: %(reason)s", file=refused[0][0], reason=refused[0][1]),
                          field="images", refused=refused_json)
    return jsonify({"added": [services.image_dict(img) for img in added], "refused": refused_json}), 201


@bp.patch("/articles/<slug>/images/<int:image_id>")
@token_required(Role.EDITOR)
def update_article_image(slug, image_id):
    article = access.editable(g.api_user, slug)
    try:
        image = services.article_image(article, image_id)
        data = json_body()
        unknown = sorted(set(data) - {"caption"})
        if unknown:
            raise NewsError(_("Unknown fields: %(fields)s.", fields=", ".join(unknown)[:200]), unknown[0], 400)
        if "caption" in data:
            services.update_caption(article, image_id, _text(data, "caption"), g.api_user)
    except NewsError as exc:
        return news_error(exc)
    return jsonify(services.image_dict(image))


@bp.delete("/articles/<slug>/images/<int:image_id>")
@token_required(Role.EDITOR)
def delete_article_image(slug, image_id):
    article = access.editable(g.api_user, slug)
    try:
        services.remove_image(article, image_id, g.api_user)
    except NewsError as exc:
        return news_error(exc)
    return "", 204


# ----------------------------------------------------------------------------- OpenAPI

KINDS = [str(kind) for kind in ImageKind]
_ERR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_ARTICLE = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Article"}}}}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_IMAGE_ID = {"name": "image_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SEC = [{"bearer": []}]
_AUTH = {"401": {"description": "No or invalid token", **_ERR}, "403": {"description": "Not an editor", **_ERR}}
_NOT_FOUND = {"404": {"description": "No such article (or picture)", **_ERR}}


def _json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _action(summary: str) -> dict:
    return {"post": {
        "summary": summary, "tags": ["news"], "security": _SEC, "parameters": [_SLUG],
        "responses": {"200": {"description": "The article", **_ARTICLE}, **_AUTH, **_NOT_FOUND},
    }}


PATHS: dict = {
    "/categories": {
        "get": {
            "summary": "Every news category, in the order the pages list them",
            "tags": ["news"],
            "responses": {"200": {"description": "The categories", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"items": {"type": "array",
                                                           "items": {"$ref": "#/components/schemas/Category"}}},
            }}}}},
        },
        "post": {
            "summary": "Add a category (editors), as the categories page does",
            "tags": ["news"],
            "security": _SEC,
            "requestBody": _json_body({"$ref": "#/components/schemas/CategoryInput"}),
            "responses": {
                "201": {"description": "Created",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Category"}}}},
                "400": {"description": "Malformed body", **_ERR}, **_AUTH,
                "409": {"description": "A category with this name exists", **_ERR},
                "422": {"description": "Invalid values (message in Vietnamese)", **_ERR},
            },
        },
    },
    "/articles/{slug}/publish": _action("Publish an article now (editors)"),
    "/articles/{slug}/unpublish": _action("Take an article down: it becomes a draft and is unpinned (editors)"),
    "/articles/{slug}/pin": {"post": {
        "summary": "Pin a published article to the home page, or unpin it (editors)",
        "tags": ["news"], "security": _SEC, "parameters": [_SLUG],
        "requestBody": _json_body({"type": "object", "properties": {"pinned": {"type": "boolean"}},
                                   "required": ["pinned"], "additionalProperties": True}),
        "responses": {"200": {"description": "The article", **_ARTICLE},
                      "400": {"description": "pinned missing or not a boolean", **_ERR}, **_AUTH, **_NOT_FOUND,
                      "409": {"description": "Only a published article can be pinned", **_ERR}},
    }},
    "/articles/{slug}/images": {"post": {
        "summary": "Upload pictures to the album, or a new cover (editors); each file is checked as on the page",
        "tags": ["news"], "security": _SEC, "parameters": [_SLUG],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "properties": {
                "images": {"type": "array", "items": {"type": "string", "format": "binary"},
                           "description": "JPEG, PNG, WebP or GIF; at most CIVIC_MAX_IMAGE_BYTES each and "
                                          f"{services.UPLOAD_BATCH_MAX} per upload"},
                "caption": {"type": "string", "maxLength": services.CAPTION_MAX},
                "kind": {"type": "string", "enum": KINDS, "description": "default album; a cover replaces the old"},
            },
            "required": ["images"],
        }}}},
        "responses": {
            "201": {"description": "The stored pictures, and the files refused with why",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ImageUpload"}}}},
            "400": {"description": "No picture sent", **_ERR}, **_AUTH, **_NOT_FOUND,
            "422": {"description": "Every file refused, or a bad caption or kind", **_ERR},
        },
    }},
    "/articles/{slug}/images/{image_id}": {
        "patch": {
            "summary": "Change a picture's caption (editors)",
            "tags": ["news"], "security": _SEC, "parameters": [_SLUG, _IMAGE_ID],
            "requestBody": _json_body({"type": "object", "properties": {
                "caption": {"type": "string", "maxLength": services.CAPTION_MAX}}, "additionalProperties": False}),
            "responses": {"200": {"description": "The picture", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ArticleImage"}}}},
                "400": {"description": "Malformed body", **_ERR}, **_AUTH, **_NOT_FOUND,
                "422": {"description": "Caption too long", **_ERR}},
        },
        "delete": {
            "summary": "Remove a picture (editors)",
            "tags": ["news"], "security": _SEC, "parameters": [_SLUG, _IMAGE_ID],
            "responses": {"204": {"description": "Removed"}, **_AUTH, **_NOT_FOUND},
        },
    },
}

SCHEMAS: dict = {
    "Category": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "slug": {"type": "string"}, "name": {"type": "string"},
                       "description": {"type": "string"}, "position": {"type": "integer"}},
        "required": ["id", "slug", "name"],
    },
    "CategoryInput": {
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 120}, "description": {"type": "string", "maxLength": 300}},
        "required": ["name"],
        "additionalProperties": True,
    },
    "ArticleImage": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string", "enum": KINDS}, "caption": {"type": "string"},
            "position": {"type": "integer"}, "width": {"type": "integer"}, "height": {"type": "integer"},
            "url": {"type": "string", "format": "uri"}, "thumb_url": {"type": "string", "format": "uri"},
        },
        "required": ["id", "kind", "url"],
    },
    "ImageUpload": {
        "type": "object",
        "properties": {
            "added": {"type": "array", "items": {"$ref": "#/components/schemas/ArticleImage"}},
            "refused": {"type": "array", "items": {"type": "object", "properties": {
                "file": {"type": "string"}, "message": {"type": "string"}}}},
        },
        "required": ["added", "refused"],
    },
}
