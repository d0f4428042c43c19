"""WTForms' and Flask-WTF's built-in messages in Vietnamese, shown beside the field.

WTForms ships no Vietnamese catalogue; ours is civic/translations/vi/LC_MESSAGES/wtforms.po
(domain "wtforms", merged over WTForms' own catalogues by Flask-Babel).
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WTFORMS_PO = ROOT / "civic" / "translations" / "vi" / "LC_MESSAGES" / "wtforms.po"

ENGLISH = (
    "This field is required.",
    "Field cannot be longer than",
    "Invalid email address.",
    "Not a valid",
    "CSRF",
    "Invalid Choice",
)


@pytest.fixture
def app_config():
    return {"MAIL_BACKEND": "locmem", "RATELIMIT_ENABLED": False}


@pytest.fixture
def event(app, make_user):
    from civic.core.timeutil import utcnow
    from civic.events import services

    organizer = make_user(role="organizer", full_name="Trần Thị Tổ Chức")
    starts = utcnow().replace(microsecond=0) + timedelta(days=10)
    return services.create_event(
        organizer,
        services.EventData(
            title="Họp tổ dân phố số 3",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            venue_name="Nhà văn hóa tổ 3",
            venue_address="12 ngõ 5 phố Hàng Bông",
            category="meeting",
            status="published",
            allow_guests=True,
            max_guests=3,
        ),
    )


class _FieldErrors(HTMLParser):
    """Error paragraphs (<p class="error">) grouped by the field block (.field / fieldset) they sit in,
    keyed by the names of the inputs in that block."""

    def __init__(self):
        super().__init__()
        self.blocks: list[dict] = []
        self._stack: list[dict | None] = []
        self._in_error: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag in ("div", "fieldset"):
            block = {"names": set(), "errors": []} if ("field" in classes or tag == "fieldset") else None
            if block is not None:
                self.blocks.append(block)
            self._stack.append(block)
        elif tag in ("input", "select", "textarea") and a.get("name"):
            for block in self._stack:
                if block is not None:
                    block["names"].add(a["name"])
        elif tag == "p" and "error" in classes:
            inner = [b for b in self._stack if b is not None]
            if inner:
                self._in_error = inner[-1]
                inner[-1]["errors"].append("")

    def handle_endtag(self, tag):
        if tag in ("div", "fieldset") and self._stack:
            self._stack.pop()
        elif tag == "p":
            self._in_error = None

    def handle_data(self, data):
        if self._in_error is not None:
            self._in_error["errors"][-1] += data

    def errors_for(self, name: str) -> list[str]:
        found = [b for b in self.blocks if name in b["names"]]
        return [e.strip() for b in found[-1:] for e in b["errors"]]


def _errors(html: str) -> _FieldErrors:
    parser = _FieldErrors()
    parser.feed(html)
    return parser


def _rsvp(client, event, data):
    page = client.get(f"/su-kien/{event.id}", follow_redirects=True)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(f"/su-kien/{event.id}/tra-loi", data={"csrf_token": token, **data})


def _assert_no_english(html: str):
    for text in ENGLISH:
        assert text not in html, f"English built-in message on a Vietnamese page: {text!r}"


def test_empty_rsvp_says_in_vietnamese_beside_the_answer(client, event):
    response = _rsvp(client, event, {})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _errors(html).errors_for("response") == ["Vui lòng điền mục này."]
    _assert_no_english(html)


def test_bad_email_and_too_long_name_beside_their_fields(client, event):
    response = _rsvp(client, event, {"response": "yes", "name": "Lê " + "a" * 130, "email": "lan@@example", "guests": "ba"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    found = _errors(html)
    assert found.errors_for("name") == ["Không được dài quá 120 ký tự."]
    assert found.errors_for("email") == ["Địa chỉ email không hợp lệ."]
    assert found.errors_for("guests")[0] == "Vui lòng nhập một số nguyên."
    _assert_no_english(html)


def test_a_guest_without_name_or_contact_is_told_beside_the_field(client, event):
    """The service's refusals (name, phone or email) showed only in the banner at the top of a
    phone's screen, far from the field to fill."""
    response = _rsvp(client, event, {"response": "yes", "phone": "0912 345 678", "consent": "y"})
    assert response.status_code == 422
    assert _errors(response.get_data(as_text=True)).errors_for("name") == ["Vui lòng nhập họ và tên."]
    response = _rsvp(client, event, {"response": "yes", "name": "Nguyễn Thị Lan", "consent": "y"})
    assert response.status_code == 422
    found = _errors(response.get_data(as_text=True))
    assert found.errors_for("phone") and found.errors_for("phone")[0].startswith("Vui lòng nhập số điện thoại")


def test_english_page_keeps_wtforms_english(client, event):
    client.get("/language?lang=en")
    response = _rsvp(client, event, {"response": "yes", "name": "x" * 130})
    assert "Field cannot be longer than 120 characters." in response.get_data(as_text=True)


def test_builtin_validators_and_csrf_messages_are_vietnamese(app):
    """Each kind of built-in message, and Flask-WTF's CSRF messages (raised untranslated by flask_wtf)."""
    from werkzeug.datastructures import MultiDict
    from wtforms import IntegerField, SelectField, StringField
    from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange

    from civic.core.forms import CivicForm, options

    class Sample(CivicForm):
        required = StringField(validators=[DataRequired()])
        typed = StringField(validators=[InputRequired()])
        short = StringField(validators=[Length(min=3, max=5)])
        email = StringField(validators=[Email()])
        number = IntegerField(validators=[NumberRange(min=1, max=9)])
        integer = IntegerField()
        choice = SelectField(choices=options([("a", "A")]))

    data = MultiDict({"short": "ab", "email": "x@", "number": "12", "integer": "mười", "choice": "z"})
    with app.test_request_context("/", method="POST", data=data):
        form = Sample()
        assert not form.validate()
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    assert errors == {
        "csrf_token": ["Thiếu mã bảo vệ biểu mẫu. Vui lòng tải lại trang và thử lại."],
        "required": ["Vui lòng điền mục này."],
        "typed": ["Vui lòng điền mục này."],
        "short": ["Cần nhập từ 3 đến 5 ký tự."],
        "email": ["Địa chỉ email không hợp lệ."],
        "number": ["Số phải nằm trong khoảng từ 1 đến 9."],
        "integer": ["Vui lòng nhập một số nguyên."],
        "choice": ["Vui lòng chọn một mục trong danh sách."],
    }
    with app.test_request_context("/", method="POST", data={"csrf_token": "not-a-token"}):
        form = Sample()
        form.validate()
        assert [str(e) for e in form.errors["csrf_token"]] == [
            "Phiên làm việc đã hết. Vui lòng tải lại trang và thử lại."
        ]


def test_wtforms_catalogue_covers_every_builtin_message():
    """Every msgid WTForms ships (wtforms.pot) has a Vietnamese msgstr in our wtforms.po."""
    from babel.messages.pofile import read_po
    from wtforms.i18n import messages_path

    with open(Path(messages_path()) / "wtforms.pot", "rb") as f:
        template = read_po(f)
    with WTFORMS_PO.open("rb") as f:
        ours = read_po(f, locale="vi")
    missing = []
    for message in template:
        if not message.id:
            continue
        ours_message = ours.get(message.id)
        strings = ours_message.string if ours_message else None
        if isinstance(strings, tuple | list):
            strings = "".join(strings)
        if not strings or (ours_message and ours_message.fuzzy):
            missing.append(message.id)
    assert missing == [], f"translate in {WTFORMS_PO.name}: {missing}"
