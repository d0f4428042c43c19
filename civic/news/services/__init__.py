"""News rules: sanitising, categories and tags, the publishing workflow, pictures, reading, search
and feeds, one module each. Pages and the API call these functions; they raise NewsError (a
translated message). This package re-exports what callers use, so they import
``civic.news.services`` whichever module holds a name.
"""

from civic.news.labels import (
    action_labels,
    field_labels,
    history_entries,
    history_value,
    image_kind_labels,
    month_label,
    status_labels,
)
from civic.news.models import Article, ArticleImage, ArticleStatus, Category, Tag
from civic.news.services.categories import (
    DEFAULT_CATEGORIES,
    DEFAULT_CATEGORY_SLUG,
    ELECTION_CATEGORY_SLUG,
    create_category,
    ensure_default_categories,
    get_category,
    get_tag,
    list_categories,
    resolve_tags,
    store_tag_order,
)
from civic.news.services.copies import CardCopy, card_copy, home_news_copy, related_cards
from civic.news.services.errors import BODY_MAX, CAPTION_MAX, SUMMARY_MAX, TITLE_MAX, NewsError
from civic.news.services.feeds import article_dict, article_url, build_atom, sitemap_entries
from civic.news.services.fulltext import (
    COUNT_CAP,
    QUERY_MAX_TOKENS,
    RANK_ALL_LIMIT,
    highlight,
    query_tokens,
    search,
    snippet,
)
from civic.news.services.history import record_revision
from civic.news.services.photos import (
    UPLOAD_BATCH_MAX,
    add_image,
    add_images,
    article_image,
    image_dict,
    image_url,
    remove_image,
    update_caption,
)
from civic.news.services.queries import (
    PAGE_SCOPES,
    PER_PAGE,
    Page,
    archive_months,
    election_news,
    find_by_slug,
    get_article,
    home_news,
    list_for_editors,
    list_published,
    public_filter,
    related_articles,
)
from civic.news.services.sanitize import (
    body_to_html,
    html_to_text,
    markdown_to_html,
    plain_line,
    plain_text,
    plain_text_to_html,
    sanitize_html,
)
from civic.news.services.validation import RESERVED_SLUGS, ArticleInput, parse_publish_at, unique_slug
from civic.news.services.viewcounts import apply_view_counts, record_view, view_count
from civic.news.services.workflow import (
    EDITABLE,
    article_input_from,
    create_article,
    delete_article,
    publish_article,
    publish_due_articles,
    set_pinned,
    unpublish_article,
    update_article,
)

__all__ = [
    "BODY_MAX", "CAPTION_MAX", "COUNT_CAP", "DEFAULT_CATEGORIES", "DEFAULT_CATEGORY_SLUG", "EDITABLE",
    "ELECTION_CATEGORY_SLUG", "PAGE_SCOPES", "PER_PAGE", "QUERY_MAX_TOKENS", "RANK_ALL_LIMIT", "RESERVED_SLUGS",
    "SUMMARY_MAX", "TITLE_MAX", "UPLOAD_BATCH_MAX", "Article", "ArticleImage", "ArticleInput", "ArticleStatus", "Category", "NewsError",
    "CardCopy", "Page", "Tag", "action_labels", "add_image", "add_images", "apply_view_counts", "archive_months", "article_dict", "article_image",
    "article_input_from", "article_url", "body_to_html", "build_atom", "card_copy", "create_article",
    "create_category", "delete_article", "election_news", "ensure_default_categories", "field_labels",
    "find_by_slug", "get_article", "get_category", "get_tag", "highlight", "history_entries", "history_value",
    "home_news", "home_news_copy", "html_to_text", "image_dict", "image_kind_labels", "image_url", "list_categories", "list_for_editors",
    "list_published", "markdown_to_html", "month_label", "parse_publish_at", "plain_line", "plain_text",
    "plain_text_to_html", "public_filter", "publish_article", "publish_due_articles", "query_tokens",
    "record_revision", "record_view", "related_articles", "related_cards", "remove_image", "resolve_tags", "sanitize_html",
    "search", "set_pinned", "sitemap_entries", "snippet", "status_labels", "store_tag_order", "unpublish_article",
    "unique_slug", "update_article", "update_caption", "view_count",
]
