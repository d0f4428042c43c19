"""What a Vietnamese visitor reads: every page, as every role, with the demo ward loaded.

Walks ``app.url_map`` like tests/security/test_access_matrix.py, but with real objects (the
`civic demo` ward plus the rows the demo lacks: audit entries, event changes, campaigns,
article edits, an import preview), and reads the *visible* text of each HTML page in ``vi``.
It fails on:

- a leftover placeholder: ``{event_title}`` (str.format) or ``%(name)s`` (gettext);
- ``None``, ``True`` or ``False`` as a word;
- an internal code shown as text: an enum value of the models ("published", "event_changed",
  "attend", "pending", "elections"...), collected from the models' enums and constants;
- an English msgid of the vi catalogue (two words or more) on the Vietnamese page.

The demo is loaded once per module on SQLite: page text does not depend on the database, and
the whole walk (≈ 5 × 150 pages) stays well under a minute. It never runs on PostgreSQL.
"""

from __future__ import annotations

import enum
import importlib
import os
import re
import types
from collections import defaultdict
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from civic.privacy.services import ConsentGiven

ROOT = Path(__file__).resolve().parents[2]
VI_DIR = ROOT / "civic" / "translations" / "vi" / "LC_MESSAGES"
ROLES = ["anonymous", "resident", "organizer", "editor", "admin"]
PER_VARIABLE = 4  # real objects tried per URL variable (all of them would only repeat templates)

pytestmark = pytest.mark.xdist_group("rendered_text")

# ----------------------------------------------------------------------------- visible text


class _VisibleText(HTMLParser):
    """Text a reader sees or hears: element text outside <script>/<style>, plus the attributes
    shown or read out (title, alt, placeholder, aria-label) and the value of buttons.

    <textarea> content is a value being edited (a reminder template may hold "{name}" on
    purpose) and <code> shows syntax literally (the list of placeholders): both are skipped."""

    SKIP = {"script", "style", "template", "textarea", "code"}
    SHOWN_ATTRS = ("title", "alt", "placeholder", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
            return
        a = dict(attrs)
        for name in self.SHOWN_ATTRS:
            if a.get(name):
                self.parts.append(a[name])
        if tag == "input" and a.get("type") in ("submit", "button", "reset") and a.get("value"):
            self.parts.append(a["value"])
        if tag in ("p", "div", "li", "td", "th", "tr", "br", "h1", "h2", "h3", "dt", "dd", "option", "label", "section"):
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in self.SKIP:
            self._skip -= 1

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in ("p", "div", "li", "td", "th", "tr", "option", "label", "dt", "dd"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_lines(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    return [re.sub(r"\s+", " ", line).strip() for line in text.split("\n") if line.strip()]


# ----------------------------------------------------------------------------- what is a defect

PLACEHOLDER_RE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\([A-Za-z_]+\)[sdif]")
PYTHON_WORD_RE = re.compile(r"(?<![\w-])(None|True|False)(?![\w-])")
# A date as the machine wrote it: ISO 8601 ("2026-12-02 04:14") or an e-mail header's RFC 2822
# ("Wed, 02 Dec 2026 04:14:12 -0000"); Vietnamese pages say "Thứ Tư, 02/12/2026, 11:14".
RAW_DATE_RE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}"
)
# An English sentence from a library (Flask-Login's "Please log in to access this page."): three
# English function words in one line. ("to" is left out: it is "tổ" in unaccented SMS text.)
ENGLISH_WORDS = frozenset("the this that please you your is are was were of and not page click should will "
                          "have has with for from been log access must".split())
# Addresses and links are data, not words: "admin@phuong.example.vn" must not count as "admin".
DATA_RE = re.compile(r"\S+@\S+|https?://\S+|\S+\.(?:vn|com|org|net|local|xlsx|csv|ics|eml)\b|/\S*")


def internal_codes() -> set[str]:
    """Every value of the models' enums and of their upper-case string tuples/sets of codes."""
    codes: set[str] = set()
    for domain in ("accounts", "news", "events", "invitations", "elections", "notifications", "portal", "schedule"):
        try:
            module = importlib.import_module(f"civic.{domain}.models")
        except ImportError:
            continue
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, enum.Enum) and value.__module__ == module.__name__:
                codes.update(str(m.value) for m in value)
            elif name.isupper() and isinstance(value, tuple | frozenset | set | list):
                codes.update(v for v in value if isinstance(v, str))
    # The schedule's session codes are Vietnamese words without their marks ("dời sang thứ Hai").
    from civic.schedule.models import SESSIONS

    codes -= set(SESSIONS)
    codes.discard("album")  # also Vietnamese: "Ảnh cho album"
    codes.update({"scheduled", "moved", "skipped", "cancelled"})  # reception session statuses
    from civic.core.permissions import Role
    from civic.invitations.importer import FIELDS

    codes.update(r.value for r in Role)
    codes.update(FIELDS)  # the contact import's field names ("residential_group", "groups")
    # Campaign kinds and topics are strings in the services, not enums.
    codes.update({"event_confirmation", "event_changed", "event_cancelled", "event_reminder", "event_message",
                  "election_reminder", "invitation", "announcement", "events", "elections", "invitations", "account"})
    # Short or ordinary words would match honest text ("sms" is written SMS; "yes"/"no" are too short
    # to be sure); "email" is how Vietnamese writes it ("qua email").
    return {c for c in codes if re.fullmatch(r"[a-z][a-z_]{3,}", c)} - {"email"}


def english_msgids() -> list[str]:
    """Catalogue msgids (or their literal pieces) of two words or more whose vi text differs."""
    from babel.messages.pofile import read_po

    found: set[str] = set()
    for po in ("messages.po", "wtforms.po"):
        with (VI_DIR / po).open("rb") as f:
            catalog = read_po(f, locale="vi")
        for message in catalog:
            if not message.id or not message.string:
                continue
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            msgstr = message.string[0] if isinstance(message.string, tuple) else message.string
            if msgid == msgstr:
                continue
            for piece in re.split(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}", msgid):
                piece = piece.strip(" .,:;…()«»\"“”'")
                if len(piece.split()) >= 2 and re.search(r"[A-Za-z]{3}", piece):
                    found.add(piece)
    return sorted(found, key=len, reverse=True)


def defects(lines: list[str], codes: set[str], english: list[str]) -> list[str]:
    found = []
    for line in lines:
        for m in PLACEHOLDER_RE.finditer(line):
            found.append(f"placeholder {m.group(0)!r} in {line[:120]!r}")
        for m in RAW_DATE_RE.finditer(line):
            found.append(f"raw date {m.group(0)!r} in {line[:120]!r}")
        words = DATA_RE.sub(" ", line)
        for m in PYTHON_WORD_RE.finditer(words):
            found.append(f"bare {m.group(1)} in {line[:120]!r}")
        for word in set(re.findall(r"(?<![\w@.-])[a-z][a-z_]+(?![\w@-])", words)):
            if word in codes:
                found.append(f"internal code {word!r} in {line[:120]!r}")
        english_words = {w.lower() for w in re.findall(r"[A-Za-z]+", words)} & ENGLISH_WORDS
        if len(english_words) >= 3:
            found.append(f"English sentence {line[:120]!r}")
    page = "\n".join(lines)
    for msgid in english:
        if msgid in page:
            line = next((ln for ln in lines if msgid in ln), msgid)
            found.append(f"English {msgid!r} in {line[:120]!r}")
    return found


def test_the_detector_finds_each_kind_of_defect():
    """The checks above can fail: one page with each defect, one clean page."""
    html = """<html><head><title>Trang</title><style>.x{color:red}</style><script>var a = {b}; None</script></head>
    <body><h1>Chiến dịch: {event_title}</h1><p>Người ký: None</p><td>published</td>
    <button title="Sign in">x</button><p>Xin chào %(name)s</p><p>Wed, 02 Dec 2026 04:14:12 -0000</p><p>Please log in to access this page.</p><p>Liên hệ admin@phuong.example.vn</p></body></html>"""
    found = defects(visible_lines(html), {"published", "admin"}, ["Sign in"])
    kinds = sorted(f.split(" ")[0] for f in found)
    assert kinds == ["English", "English", "bare", "internal", "placeholder", "placeholder", "raw"], found
    clean = "<p>Tổ dân phố số 5 · <a href='/tin-tuc/published'>Tin</a></p><script>{x} True</script>"
    assert defects(visible_lines(clean), {"published"}, ["Sign in"]) == []


# ----------------------------------------------------------------------------- the demo ward


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An app with the demo ward and the rows the demo does not make; one per module (SQLite)."""
    from civic import create_app
    from civic.extensions import db
    from tests.conftest import _base_config, _end_transaction, _fresh_g

    data_dir = tmp_path_factory.mktemp("rendered") / "data"
    app = create_app({
        **_base_config(data_dir, f"sqlite:///{data_dir / 'civic.sqlite3'}"),
        "RATELIMIT_ENABLED": False,
    })
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    app.teardown_request(_end_transaction)
    with app.app_context():
        db.create_all()
        from civic.portal.demo import load_demo

        load_demo()
        db.session.commit()
        extra = _seed_what_the_demo_lacks(app)
        db.session.commit()
        yield app, extra
        db.session.remove()
        db.engine.dispose()


def _seed_what_the_demo_lacks(app) -> dict:
    """Audit rows, an edited event (change log + campaign), an RSVP with its link, an article
    edit, an organizer's message, an API token and an import preview."""
    import sqlalchemy as sa

    from civic.accounts import services as accounts
    from civic.accounts.models import User
    from civic.core.timeutil import utcnow
    from civic.events import services as events
    from civic.events.models import Event, EventStatus
    from civic.extensions import db
    from civic.invitations import services as invitations
    from civic.news import services as news
    from civic.news.models import Article

    admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
    organizer = db.session.scalar(sa.select(User).where(User.role == "organizer"))
    editor = db.session.scalar(sa.select(User).where(User.role == "editor"))
    residents = db.session.scalars(
        sa.select(User).where(User.role == "resident", User.residential_group_id.is_not(None)).order_by(User.id).limit(3)
    ).all()
    accounts.change_role(admin, residents[1], "organizer")
    accounts.change_role(admin, residents[1], "resident")
    accounts.set_active(admin, residents[2], False)
    accounts.create_api_token(organizer, "bảng tin tổ 3")
    db.session.commit()

    upcoming = db.session.scalars(
        sa.select(Event).where(Event.starts_at > utcnow(), Event.status == EventStatus.PUBLISHED.value).order_by(Event.starts_at)
    ).all()
    changed = next(e for e in upcoming if not e.is_cancelled and e.audience == "public")
    data = events.EventData(
        title=changed.title, starts_at=changed.starts_at + timedelta(hours=1), ends_at=changed.ends_at + timedelta(hours=1),
        description=changed.description_source or "", venue_name=changed.venue_name + " (tầng 2)",
        venue_address=changed.venue_address or "", map_url=changed.map_url, category=changed.category,
        audience=changed.audience, group_ids=[g.id for g in changed.groups], capacity=changed.capacity,
        rsvp_deadline=changed.rsvp_deadline, allow_guests=changed.allow_guests, max_guests=changed.max_guests,
        questions=list(changed.questions or []), reminder_minutes_before=changed.reminder_minutes_before,
        status=changed.status, cover_image=changed.cover_image,
    )
    events.update_event(changed, changed.organizer or organizer, data)
    db.session.commit()
    try:
        events.message_attendees(changed, organizer, "Đổi phòng họp", "Cuộc họp chuyển lên tầng 2 nhà văn hóa.")
    except events.EventError:
        pass
    result = events.answer_event(
        changed, events.Answer(response="yes", name="Đỗ Thị Mai", email="mai.do@example.vn", group_id=residents[0].residential_group_id), consent=ConsentGiven()
    )
    db.session.commit()

    article = db.session.scalar(sa.select(Article).where(Article.status == "published").order_by(Article.id))
    news.update_article(
        article,
        news.ArticleInput(title=article.title + " (cập nhật)", summary=article.summary or "", body=article.body_html,
                          category=article.category.slug, status=article.status,
                          tags=[t.name for t in article.tags], byline=article.byline or ""),
        editor,
    )
    news.unpublish_article(article, editor)
    news.publish_article(article, editor)
    news.set_pinned(article, True, editor)
    db.session.commit()

    from civic.core.phone import format_phone_local
    from civic.invitations.models import Contact

    known = db.session.scalar(sa.select(Contact).where(Contact.phone.is_not(None)).order_by(Contact.id))
    csv = "Họ và tên,Chức vụ,Đơn vị,Tổ dân phố,Điện thoại,Email,Nhóm\n" \
          "Nguyễn Thị Hoa,Tổ trưởng,Tổ dân phố số 2,Tổ dân phố số 2,0912 345 111,hoa.nt@example.vn,\n" \
          "Phạm Văn Tùng,Bí thư chi bộ,Chi bộ số 4,tổ 4,0987 654 222,,\n" \
          f"{known.full_name},{known.position} (kiêm nhiệm),{known.unit},,{format_phone_local(known.phone)},,Ban vận động\n" \
          ",,,,,,\n"
    job_id = invitations.start_import(csv.encode(), "danh-sach-lanh-dao.csv", organizer.id)
    db.session.commit()
    return {"rsvp": result.rsvp, "article_id": article.id, "rsvp_token": events.make_token(result.rsvp), "job_id": job_id,
            "reset_token": accounts.make_reset_token(residents[0]), "verify_token": accounts.make_verify_token(residents[0]),
            "residents": residents}


def _candidates(app, extra) -> dict:
    """URL variable -> a few real values."""
    import sqlalchemy as sa

    from civic.accounts.models import User
    from civic.elections.models import Election
    from civic.events.models import Event
    from civic.extensions import db
    from civic.invitations.models import Contact, Invitation, Post
    from civic.news.models import Article, Category, Tag
    from civic.notifications.models import Campaign, Delivery
    from civic.notifications.services import sms_stop_code, unsubscribe_token
    from civic.schedule.models import ReceptionRule, ScheduleWeek

    def ids(model, n=PER_VARIABLE, order=None):
        return list(db.session.scalars(sa.select(model.id).order_by(order if order is not None else model.id.desc()).limit(n)))

    invitations = db.session.scalars(sa.select(Invitation).order_by(Invitation.id).limit(2)).all()
    delivery = db.session.scalar(sa.select(Delivery).order_by(Delivery.id))
    from civic.notifications.mailer import list_outbox

    outbox = list_outbox(app, limit=3)
    return {
        "event_id": ids(Event, n=8),
        "election_id": ids(Election),
        "article_id": [extra["article_id"], *ids(Article, n=PER_VARIABLE - 1)],
        "campaign_id": ids(Campaign, n=6),
        "contact_id": ids(Contact, n=2),
        "user_id": [u.id for u in db.session.scalars(sa.select(User).order_by(User.role, User.id)).all()[::60]][:PER_VARIABLE],
        "slug": {
            "news.article": list(db.session.scalars(sa.select(Article.slug).order_by(Article.id.desc()).limit(PER_VARIABLE))),
            "news.category": list(db.session.scalars(sa.select(Category.slug))),
            "news.category_feed": [],
            "news.tag": list(db.session.scalars(sa.select(Tag.slug).limit(2))),
        },
        "token": {
            "invitations.respond": [i.token for i in invitations],
            "accounts.reset_password": [extra["reset_token"]],
            "accounts.verify_email": [],  # would verify (a write); its error page is seen with a dummy
            "notifications.unsubscribe": [unsubscribe_token("mai.do@example.vn", "email", "events")],
        },
        "code": {
            "invitations.checkin_code": [invitations[0].checkin_code] if invitations else [],
            "notifications.sms_stop": [sms_stop_code(delivery.id)] if delivery else [],
        },
        "job_id": [extra["job_id"]],
        "week_id": ids(ScheduleWeek, n=3),
        "post_id": ids(Post, n=2, order=Post.id),
        "rule_id": ids(ReceptionRule, n=2),
        "filename": [item.filename for item in outbox if hasattr(item, "filename")][:2],
    }


def _urls(app, extra, sec) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET page of the site, with real objects where there are some."""
    import sqlalchemy as sa

    from civic.elections.models import Election, Milestone, PollingArea
    from civic.extensions import db

    cand = _candidates(app, extra)
    adapter = app.url_map.bind("localhost")
    urls: list[tuple[str, str]] = []
    for rule in sec.app_rules(app):
        if "GET" not in rule.methods or sec.is_api(rule):
            continue
        if re.search(r"\.(ics|xlsx|csv|json|atom|txt|xml|docx)$", rule.rule) or rule.endpoint in {
            "portal.media", "events.cover", "portal.health", "portal.set_language",
        }:
            continue
        names = set(rule.arguments)
        combos: list[dict] = []
        if names == {"election_id", "area_id"}:
            combos = [{"election_id": a.election_id, "area_id": a.id}
                      for a in db.session.scalars(sa.select(PollingArea).order_by(PollingArea.id).limit(2))]
        elif names == {"election_id", "milestone_id"}:
            combos = [{"election_id": m.election_id, "milestone_id": m.id}
                      for m in db.session.scalars(sa.select(Milestone).order_by(Milestone.id).limit(2))]
        elif names == {"event_id", "token"}:
            combos = [{"event_id": extra["rsvp"].event_id, "token": extra["rsvp_token"]}]
        elif names == {"event_id", "slug"}:
            continue  # the same page as events.detail with the id only
        elif names == {"year", "month"}:
            combos = [{"year": 2021, "month": 5}]
        elif names == {"year", "week"}:  # the demo's weeks: ordinary, standing in for letters, revised
            combos = [{"year": 2021, "week": w} for w in (2, 3, 4)]
        elif names == {"year", "week", "number"}:
            combos = [{"year": 2021, "week": 4, "number": n} for n in (0, 1)]
        elif names == {"week_id", "item_id"}:
            from civic.schedule.models import ScheduleItem

            combos = [{"week_id": i.week_id, "item_id": i.id}
                      for i in db.session.scalars(sa.select(ScheduleItem).order_by(ScheduleItem.id.desc()).limit(2))]
        elif len(names) == 1:
            (name,) = names
            values = cand.get(name, [])
            if isinstance(values, dict):
                values = values.get(rule.endpoint, [])
            combos = [{name: v} for v in values]
        elif not names:
            combos = [{}]
        if not combos:
            combos = [sec.dummy_values(rule)]  # nothing real to show: still read its error page
        for values in combos:
            urls.append((rule.endpoint, adapter.build(rule.endpoint, values)))
    # Pages whose interesting state is in the query string.
    election = db.session.scalar(sa.select(Election).order_by(Election.polling_day))
    urls += [
        ("news.search", "/tin-tuc/tim-kiem?q=bau+cu"),
        ("news.search", "/tin-tuc/tim-kiem?q=zzzz-khong-co"),
        ("events.index", "/su-kien/?category=meeting"),
        ("elections.where_to_vote", f"/bau-cu/{election.id}/bo-phieu-o-dau?group=t%E1%BB%95+3"),
        ("elections.where_to_vote", f"/bau-cu/{election.id}/bo-phieu-o-dau?group=t%E1%BB%95+99"),
        ("accounts.admin_users", "/quan-tri/nguoi-dung?role=organizer"),
    ]
    return urls


@pytest.fixture(scope="module")
def sec():
    from tests.security.conftest import app_rules, dummy_values, is_api

    return types.SimpleNamespace(app_rules=app_rules, dummy_values=dummy_values, is_api=is_api)


@pytest.fixture(scope="module")
def pages(site, sec):
    app, extra = site
    with app.test_request_context():
        return _urls(app, extra, sec)


@pytest.fixture(scope="module")
def checks(site):
    app, _extra = site
    with app.app_context():
        return internal_codes(), english_msgids()


def _user_for(role: str):
    import sqlalchemy as sa

    from civic.accounts.models import User
    from civic.extensions import db

    if role == "anonymous":
        return None
    stmt = sa.select(User).where(User.role == role, User.active.is_(True)).order_by(User.id)
    if role == "resident":
        stmt = stmt.where(User.residential_group_id.is_not(None))
    return db.session.scalar(stmt)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_as_vietnamese(site, pages, checks, sec, role):
    from flask_login.utils import _create_identifier

    app, _extra = site
    codes, english = checks
    client = app.test_client()
    user = _user_for(role)
    if user is not None:
        with app.test_request_context():
            ident = _create_identifier()
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
            sess["_id"] = ident
    problems: dict[str, list[str]] = defaultdict(list)
    read = 0
    for endpoint, url in pages:
        response = client.get(url)
        if response.status_code >= 500:
            problems[f"{url} [{endpoint}]"].append(f"server error {response.status_code}")
            continue
        if "text/html" not in response.content_type or 300 <= response.status_code < 400:
            # A browser follows redirects; their flashes show on the next page read.
            continue
        read += 1
        lines = visible_lines(response.get_data(as_text=True))
        if os.environ.get("CIVIC_RENDERED_TEXT_DUMP"):  # a directory: write what each page reads
            dump = Path(os.environ["CIVIC_RENDERED_TEXT_DUMP"]) / role
            dump.mkdir(parents=True, exist_ok=True)
            (dump / (re.sub(r"[^\w.-]+", "_", url)[:150] + ".txt")).write_text("\n".join(lines), encoding="utf-8")
        for finding in defects(lines, codes, english):
            problems[f"{url} [{endpoint}]"].append(finding)
    assert read > 20, f"only {read} HTML pages read as {role}"
    report = "\n".join(f"{page}:\n  " + "\n  ".join(sorted(set(found))) for page, found in sorted(problems.items()))
    assert not problems, f"as {role}, {len(problems)} pages show text a Vietnamese reader should not see:\n{report}"
