"""News pages: reading (public) and editing (editors). Thin: forms in, services, templates out."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from civic.core import refcache
from civic.core.errors import abort_with
from civic.core.forms import first_error, options
from civic.core.pagecache import cached_page
from civic.core.permissions import Role, public, role_required
from civic.core.timeutil import to_local
from civic.core.urls import absolute_url
from civic.news import access, labels, services, tasks  # noqa: F401  (tasks registers the periodic jobs)
from civic.news.forms import ActionForm, AlbumUploadForm, ArticleForm, CaptionForm, CategoryForm
from civic.news.models import ArticleStatus, BodyFormat
from civic.news.services import ArticleInput, NewsError, search_page

bp = Blueprint("news", __name__, url_prefix="/tin-tuc")


def _page_arg() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 100_000))
    except (TypeError, ValueError):
        return 1


# ----------------------------------------------------------------------------- reading


@bp.get("/")
@public
@cached_page(*services.PAGE_SCOPES, args=("page",))
def index():
    return render_template(
        "news/index.html",
        page=services.list_published(_page_arg()),
        categories=services.list_categories(),
        months=services.archive_months()[:24],
        heading=_("News"),
    )


@bp.get("/chuyen-muc/<slug>")
@public
@cached_page(*services.PAGE_SCOPES, args=("page",))
def category(slug):
    cat = access.viewable_category(slug)
    return render_template(
        "news/index.html",
        page=services.list_published(_page_arg(), category=cat),
        categories=services.list_categories(),
        months=services.archive_months()[:24],
        heading=cat.name,
        current_category=cat,
        feed_url=url_for("news.category_feed", slug=cat.slug),
    )


@bp.get("/the/<slug>")
@public
@cached_page(*services.PAGE_SCOPES, args=("page",))
def tag(slug):
    found = services.get_tag(slug)
    if found is None:
        abort(404)
    return render_template(
        "news/index.html",
        page=services.list_published(_page_arg(), tag=found),
        categories=services.list_categories(),
        months=services.archive_months()[:24],
        heading=_("Tag: %(name)s", name=found.name),
    )


@bp.get("/luu-tru")
@public
@cached_page(*services.PAGE_SCOPES)
def archive():
    return render_template("news/archive.html", months=services.archive_months(), month_label=labels.month_label)


@bp.get("/luu-tru/<int:year>/<int:month>")
@public
@cached_page(*services.PAGE_SCOPES, args=("page",))
def archive_month(year, month):
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        abort(404)
    return render_template(
        "news/index.html",
        page=services.list_published(_page_arg(), year=year, month=month),
        categories=services.list_categories(),
        months=services.archive_months()[:24],
        heading=labels.month_label(year, month),
    )


@bp.get("/tim-kiem")
@public
@cached_page(*services.PAGE_SCOPES, args=("q", "category", "page"))
def search():
    refcache.prime(*services.PAGE_SCOPES)  # before the first query: the category list may be kept
    query = (request.args.get("q") or "")[:10_000]
    cat = search_page.find_category(request.args.get("category"))
    page, results = search_page.search_results(query, _page_arg(), category=cat) if query.strip() else (None, [])
    return render_template(
        "news/search.html",
        query=query[:200],
        page=page,
        results=results,
        categories=search_page.category_copies(),
        current_category=cat,
        no_words=page is not None and not services.query_tokens(query),
    )


@bp.get("/feed.atom")
@public
def feed():
    return Response(services.build_atom(), mimetype="application/atom+xml")


@bp.get("/chuyen-muc/<slug>/feed.atom")
@public
def category_feed(slug):
    cat = access.viewable_category(slug)
    return Response(services.build_atom(cat), mimetype="application/atom+xml")


@bp.get("/<slug>")
@public
@cached_page(*services.PAGE_SCOPES)
def article(slug):
    refcache.prime(*services.PAGE_SCOPES)  # before the article is read: its related cards may be kept
    found = access.viewable_page(current_user, slug)
    if found.slug != slug:  # an old address
        return redirect(url_for("news.article", slug=found.slug), 301)
    preview = not found.is_public
    if not preview:
        services.record_view(found)
    cover = found.cover
    return render_template(
        "news/article.html",
        article=found,
        preview=preview,
        related=services.related_cards(found),
        # Only a preview shows it here (published pages fill it in as a fragment): read it live.
        views=services.view_count(services.get_article(found.id)) if preview else 0,
        canonical_url=absolute_url("news.article", slug=found.slug),
        share_image=services.image_url(cover, absolute=True) if cover else None,
        published_local=to_local(found.published_at),
        image_url=services.image_url,
    )


# ----------------------------------------------------------------------------- editing


def _editor_article(article_id: int) -> services.Article:
    return access.editable(current_user, article_id)


def _form_input(form: ArticleForm) -> ArticleInput:
    return ArticleInput(
        title=form.title.data or "",
        summary=form.summary.data or "",
        body=form.body.data or "",
        body_format=form.body_format.data or BodyFormat.HTML,
        category=form.category.data,
        status=form.status.data or ArticleStatus.DRAFT,
        publish_at=form.publish_at.data,
        tags=form.tags.data or "",
        byline=form.byline.data or "",
        slug=form.slug.data or None,
        regenerate_slug=bool(form.regenerate_slug.data),
    )


def _prepare(form: ArticleForm) -> ArticleForm:
    form.category.choices = options([(c.slug, c.name) for c in services.ensure_default_categories()])
    return form


def _save_cover(form: ArticleForm, article) -> None:
    upload = form.cover.data
    if upload and getattr(upload, "filename", ""):
        services.add_image(article, upload.read(), "cover", form.cover_caption.data or "", current_user)
    elif article.cover is not None:
        # The form shows the cover's caption: an edit of the caption alone is saved too.
        services.update_caption(article, article.cover.id, form.cover_caption.data or "", current_user)


def _render_form(form, article=None, status=200):
    return render_template("news/edit.html", form=form, article=article,
                           album_form=AlbumUploadForm(), caption_form=CaptionForm(), action_form=ActionForm(),
                           image_url=services.image_url), status


@bp.get("/quan-ly")
@role_required(Role.EDITOR)
def manage():
    status = request.args.get("status") or None
    return render_template("news/manage.html", page=services.list_for_editors(_page_arg(), status),
                           status=status, filters=labels.status_filters(status), badge=labels.status_badge,
                           action_form=ActionForm())


@bp.route("/quan-ly/moi", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def new():
    form = _prepare(ArticleForm())
    if request.method == "GET":
        form.category.data = services.DEFAULT_CATEGORY_SLUG
        form.byline.data = current_user.full_name
        return _render_form(form)
    if not form.validate():
        flash(first_error(form), "error")
        return _render_form(form, status=400)
    try:
        article = services.create_article(_form_input(form), current_user)
    except NewsError as exc:
        _field_error(form, exc)
        return _render_form(form, status=exc.status if exc.status < 500 else 400)
    try:
        _save_cover(form, article)
    except NewsError as exc:
        flash(_("The article was saved, but the cover photo was not: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for("news.edit", article_id=article.id))
    flash(_("The article was saved."), "success")
    return redirect(url_for("news.edit", article_id=article.id))


def _field_error(form, exc: NewsError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*list(target.errors or []), str(exc)]
    flash(str(exc), "error")


@bp.route("/quan-ly/<int:article_id>/sua", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def edit(article_id):
    article = _editor_article(article_id)
    if request.method == "GET":
        form = _prepare(ArticleForm(data={
            "title": article.title, "summary": article.summary, "body": article.body_html, "body_format": BodyFormat.HTML.value,
            "category": article.category.slug, "tags": ", ".join(t.name for t in article.tags),
            "byline": article.byline, "status": article.status,
            "publish_at": to_local(article.publish_at).replace(tzinfo=None) if article.publish_at else None,
            "slug": article.slug,
            "cover_caption": article.cover.caption if article.cover else "",
        }))
        return _render_form(form, article)
    form = _prepare(ArticleForm())
    if not form.validate():
        flash(first_error(form), "error")
        return _render_form(form, article, 400)
    try:
        services.update_article(article, _form_input(form), current_user)
        _save_cover(form, article)
    except NewsError as exc:
        _field_error(form, exc)
        return _render_form(form, article, exc.status if exc.status < 500 else 400)
    flash(_("The article was saved."), "success")
    return redirect(url_for("news.edit", article_id=article.id))


def _action(article_id):
    article = _editor_article(article_id)
    if not ActionForm().validate():
        abort(400)
    return article


@bp.post("/quan-ly/<int:article_id>/xuat-ban")
@role_required(Role.EDITOR)
def publish(article_id):
    services.publish_article(_action(article_id), current_user)
    flash(_("The article is published."), "success")
    return redirect(url_for("news.edit", article_id=article_id))


@bp.post("/quan-ly/<int:article_id>/go-xuong")
@role_required(Role.EDITOR)
def unpublish(article_id):
    services.unpublish_article(_action(article_id), current_user)
    flash(_("The article is no longer published; it is a draft again."), "success")
    return redirect(url_for("news.edit", article_id=article_id))


@bp.post("/quan-ly/<int:article_id>/ghim")
@role_required(Role.EDITOR)
def pin(article_id):
    article = _action(article_id)
    pinned = request.form.get("pinned") == "1"
    try:
        services.set_pinned(article, pinned, current_user)
    except NewsError as exc:
        flash(str(exc), "error")
        return redirect(url_for("news.edit", article_id=article_id))
    flash(_("Pinned to the home page.") if pinned else _("No longer pinned."), "success")
    return redirect(url_for("news.edit", article_id=article_id))


@bp.post("/quan-ly/<int:article_id>/xoa")
@role_required(Role.EDITOR)
def delete(article_id):
    services.delete_article(_action(article_id))
    flash(_("The article was deleted."), "success")
    return redirect(url_for("news.manage"))


@bp.get("/quan-ly/<int:article_id>/lich-su")
@role_required(Role.EDITOR)
def history(article_id):
    article = _editor_article(article_id)
    return render_template("news/history.html", article=article, entries=labels.history_entries(article))


@bp.post("/quan-ly/<int:article_id>/anh")
@role_required(Role.EDITOR)
def upload_images(article_id):
    article = _editor_article(article_id)
    form = AlbumUploadForm()
    if not form.validate():
        abort_with(400, first_error(form) or _("The form could not be read."))
    files = [f for f in (form.images.data or []) if f and getattr(f, "filename", "")]
    try:
        added, refused = services.add_images(article, files, "album", form.caption.data or "", current_user)
    except NewsError as exc:
        flash(str(exc), "error")
        return redirect(url_for("news.edit", article_id=article_id) + "#album")
    for filename, reason in refused:
        flash(_("%(file)s: %(reason)s", file=filename, reason=reason), "error")
    if added:
        flash(_("Pictures added: %(count)s.", count=len(added)), "success")
    return redirect(url_for("news.edit", article_id=article_id) + "#album")


@bp.post("/quan-ly/<int:article_id>/anh/<int:image_id>")
@role_required(Role.EDITOR)
def update_image(article_id, image_id):
    article = _editor_article(article_id)
    form = CaptionForm()
    if not form.validate():
        abort(400)
    try:
        if request.form.get("remove") == "1":
            services.remove_image(article, image_id, current_user)
            flash(_("The picture was removed."), "success")
        else:
            services.update_caption(article, image_id, form.caption.data or "", current_user)
            flash(_("The caption was saved."), "success")
    except NewsError as exc:
        flash(str(exc), "error")
    return redirect(url_for("news.edit", article_id=article_id) + "#album")


@bp.route("/quan-ly/chuyen-muc", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def categories():
    form = CategoryForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                services.create_category(form.name.data, form.description.data or "")
                flash(_("The category was added."), "success")
                return redirect(url_for("news.categories"))
            except NewsError as exc:
                _field_error(form, exc)
                status = exc.status
        else:
            flash(first_error(form), "error")
            status = 400
    return render_template("news/categories.html", form=form, categories=services.ensure_default_categories()), status
