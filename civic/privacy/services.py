"""The notice, consents and the person's rights (Law on Personal Data Protection 91/2025/QH15).

Business rules only; views and the API call these. Other domains call ``record_consent`` at
their points of collection and register providers (civic.privacy.registry) for the rights.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from civic.config import ward_settings
from civic.core.db import transaction
from civic.core.phone import InvalidPhone, normalize_phone
from civic.core.spreadsheets import safe_row
from civic.core.timeutil import format_datetime, isoformat_local, utcnow
from civic.extensions import db
from civic.privacy import registry, signals
from civic.privacy.audit import record_audit
from civic.privacy.models import Code, Consent, Notice, Request
from civic.privacy.registry import Identity

ERASED_NAME = "Người tham dự đã xóa dữ liệu"

# What each point of collection gathers and why: the one line beside its box, and the notice.
PURPOSES = {
    "rsvp": _l("Your name, phone or e-mail and residential group are used only to organise this event: "
               "to count places, confirm your answer and tell you if it changes."),
    "election_reminders": _l("Your e-mail or phone and residential group are used only to send you the "
                             "election reminders you chose and to show your polling station."),
    "account": _l("Your name, e-mail, phone and residential group are used to run your account and to "
                  "fill in your answers on this portal."),
    "invitation_substitute": _l("The name and phone of the person attending in your place are used only "
                                "for this meeting: its sign-in sheet and news of any change."),
    "messages_email": _l("Messages by e-mail about what you signed up for."),
    "messages_sms": _l("Messages by SMS about what you signed up for."),
}
MESSAGE_PURPOSES = ("messages_email", "messages_sms")
CHANNELS = ("web", "api", "phone", "paper")
REQUEST_KINDS = ("access", "export", "correct", "withdraw", "erase", "other")
IDENTITY_MAX_AGE = 2 * 3600  # seconds a "your data" link stays valid
CODE_TTL = timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5


class PrivacyError(ValueError):
    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


def purpose_text(purpose: str) -> str:
    return str(PURPOSES[purpose])


def purpose_labels() -> dict[str, str]:
    return {
        "rsvp": _("Answer to an event"),
        "election_reminders": _("Election reminders"),
        "account": _("Account"),
        "invitation_substitute": _("Substitute at a meeting"),
        "messages_email": _("Messages by e-mail"),
        "messages_sms": _("Messages by SMS"),
    }


def channel_labels() -> dict[str, str]:
    return {"web": _("On the website"), "api": _("Through the API"), "phone": _("By phone, recorded by staff"),
            "paper": _("On paper, recorded by staff")}


def request_kind_labels() -> dict[str, str]:
    return {"access": _("See my data"), "export": _("Download my data"), "correct": _("Correct my data"),
            "withdraw": _("Withdraw consent to messages"), "erase": _("Erase my data"), "other": _("Other request")}


def audit_labels() -> dict[str, str]:
    """The audit log's words for what privacy records there."""
    kinds = request_kind_labels()
    labels = {f"privacy_{kind}": _("Personal data request: %(kind)s", kind=label) for kind, label in kinds.items()}
    labels.update({
        "privacy_request_closed": _("Personal data request marked as done"),
        "privacy_notice_published": _("Personal data notice published"),
    })
    return labels


def describe_audit(action: str, detail: dict) -> str:
    if action == "privacy_notice_published":
        return _("Version %(version)s", version=detail.get("version", ""))
    if "request_id" in detail:
        status = request_status_labels().get(detail.get("status") or "", "")
        return " · ".join(p for p in (_("Request no. %(id)s", id=detail["request_id"]), status) if p)
    return ""


def requester_label(req: Request) -> str:
    """Who asked, for the ward's list: where to answer them and how they proved who they are."""
    from civic.core.phone import format_phone_local

    proofs = {"link": _("proved by their personal link"), "account": _("signed in to their account"),
              "code": _("proved by a code sent to them")}
    contact = req.contact or ""
    if contact and "@" not in contact:
        contact = format_phone_local(contact)
    parts = [contact or _("address not kept"), proofs.get(req.proof, "")]
    if req.user_id:
        parts.append(_("account no. %(id)s", id=req.user_id))
    return " · ".join(p for p in parts if p)


def request_status_labels() -> dict[str, str]:
    return {"open": _("Open"), "done": _("Done")}


def consent_missing_message() -> str:
    return _("Please tick the box to agree to how your data will be used. Nothing has been saved.")


# --------------------------------------------------------------------------- hashing


def normalize_address(raw: str | None) -> str:
    """An e-mail (lower-cased) or a phone (E.164); PrivacyError otherwise."""
    raw = (raw or "").strip()
    if "@" in raw:
        email = raw.lower()
        if len(email) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise PrivacyError(_("This email address is not valid."))
        return email
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise PrivacyError(_("Enter your phone number (for example 0912 345 678) or your e-mail address.")) from exc


def address_hash(address: str) -> str:
    """Keyed hash of an address: what the ledger keeps after erasure (phones are guessable,
    so a plain hash would not hide them)."""
    address = address.strip().lower() if "@" in address else address.strip()
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"address:{address}".encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- the notice


def default_notice_text() -> str:
    """The first version's text (content the admin edits, in Vietnamese like the demo's)."""
    ward = ward_settings(current_app.config)
    config = current_app.config
    days = config.get("CIVIC_RETENTION_RSVP_DAYS") or 90
    grace = config.get("CIVIC_RETENTION_SUBSCRIPTION_GRACE_DAYS")
    grace = 30 if grace is None else grace
    outbox = config.get("CIVIC_RETENTION_OUTBOX_DAYS") or 30
    return f"""## Bên kiểm soát dữ liệu
{ward["issuer_name"]}, {ward["address"]}, {ward["district"]}, {ward["city"]}, là bên kiểm soát và xử lý dữ liệu cá nhân thu thập qua cổng thông tin này.

## Dữ liệu được thu thập và mục đích
- Trả lời tham dự sự kiện: họ tên, số điện thoại hoặc email, tổ dân phố, số người đi cùng, câu trả lời cho câu hỏi của ban tổ chức. Mục đích: tổ chức sự kiện, đếm chỗ, xác nhận và báo khi sự kiện thay đổi.
- Đăng ký nhắc lịch bầu cử: email và/hoặc số điện thoại, tổ dân phố, họ tên (nếu có). Mục đích: gửi lời nhắc đã chọn, chỉ khu vực bỏ phiếu.
- Tài khoản: họ tên, email, số điện thoại, tổ dân phố. Mục đích: quản lý tài khoản, điền sẵn câu trả lời.
- Trả lời giấy mời cử người đi thay: họ tên, chức vụ, số điện thoại của người đi thay. Mục đích: danh sách ký tên của cuộc họp và báo khi cuộc họp thay đổi.
- Tin nhắn qua email/SMS: địa chỉ nhận và lịch sử gửi, để không gửi trùng và tôn trọng yêu cầu ngừng nhận.
- Danh sách lãnh đạo, cán bộ do phường quản lý được xử lý để thực hiện nhiệm vụ công, không dựa trên sự đồng ý.
- Lịch công tác tuần: họ tên, chức vụ, đơn vị của người dự họp được ghi ngoài danh bạ. Mục đích: thông báo thành phần dự họp và báo khi lịch thay đổi; xử lý để thực hiện nhiệm vụ công (hoặc căn cứ khác ghi ở từng mục).

## Thời gian lưu trữ
- Câu trả lời tham dự của khách: ẩn danh sau {days} ngày kể từ ngày sự kiện.
- Đăng ký nhắc lịch bầu cử: ẩn danh {grace} ngày sau ngày bỏ phiếu, khi không còn cuộc bầu cử nào sắp tới.
- Hộp thư đi, tin nhắn SMS: {outbox} ngày sau khi gửi, địa chỉ nhận được thay bằng một mã băm không đọc ngược được (chỉ để không gửi trùng và tôn trọng yêu cầu ngừng nhận); tên và nội dung riêng bị xóa.
- Tài khoản: cho đến khi bạn yêu cầu xóa.
- Điểm danh cuộc họp chính thức được lưu theo quy định về hồ sơ công vụ.

## Bên nhận dữ liệu
Dữ liệu không được bán hay chia sẻ cho mục đích khác. Đơn vị cung cấp dịch vụ email và SMS mà phường sử dụng chỉ nhận địa chỉ và nội dung tin nhắn để chuyển đi.

## Quyền của bạn
Bạn có quyền được biết, đồng ý, không đồng ý hoặc rút lại sự đồng ý; xem, tải về, chỉnh sửa, xóa dữ liệu; hạn chế xử lý hoặc phản đối việc xử lý dữ liệu của mình; khiếu nại, tố cáo, khởi kiện theo quy định của pháp luật, trong đó có gửi phản ánh tới cơ quan chuyên trách bảo vệ dữ liệu cá nhân (Bộ Công an).

## Cách thực hiện quyền
- Mở đường dẫn riêng trong tin nhắn xác nhận, hoặc đăng nhập tài khoản, rồi chọn "Dữ liệu cá nhân của tôi".
- Nếu không có đường dẫn hay tài khoản: vào trang "Dữ liệu cá nhân của tôi", nhập số điện thoại hoặc email và mã xác minh được gửi tới đó.
- Hoặc đến trực tiếp {ward["issuer_name"]}, {ward["address"]}, trong giờ hành chính.
- Mọi yêu cầu đều được ghi nhận, có ngày và trạng thái; phường trả lời trong thời hạn luật định.
"""


def current_notice() -> Notice | None:
    return db.session.scalar(
        sa.select(Notice).where(Notice.published_at.is_not(None)).order_by(Notice.version.desc()).limit(1)
    )


def ensure_notice() -> Notice:
    """The published notice consents refer to; the default is published as version 1 when none is."""
    notice = current_notice()
    if notice is None:
        notice = Notice(version=1, body=default_notice_text(), published_at=utcnow())
        db.session.add(notice)
        db.session.flush()
    return notice


def notice_versions() -> list[Notice]:
    return list(db.session.scalars(
        sa.select(Notice).where(Notice.published_at.is_not(None)).order_by(Notice.version.desc())
    ))


def notice_version(version: int) -> Notice | None:
    return db.session.scalar(sa.select(Notice).where(Notice.version == version, Notice.published_at.is_not(None)))


def draft_notice() -> Notice | None:
    return db.session.scalar(sa.select(Notice).where(Notice.published_at.is_(None)).order_by(Notice.id.desc()).limit(1))


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) < 40:
        raise PrivacyError(_("The notice is too short: say what is collected, why, for how long and the rights."))
    if len(body) > 50_000:
        raise PrivacyError(_("The notice is too long."))
    return body


def save_draft(body: str, actor) -> Notice:
    body = _clean_body(body)
    with transaction():
        draft = draft_notice()
        if draft is None:
            draft = Notice(body=body, created_by_id=getattr(actor, "id", None))
            db.session.add(draft)
        draft.body = body
    return draft


def publish_notice(body: str, actor) -> Notice:
    """A new numbered, dated version; the earlier ones stay readable."""
    body = _clean_body(body)
    with transaction():
        latest = db.session.scalar(sa.select(sa.func.max(Notice.version))) or 0
        notice = draft_notice() or Notice(created_by_id=getattr(actor, "id", None))
        notice.body = body
        notice.version = latest + 1
        notice.published_at = utcnow()
        notice.published_by_id = getattr(actor, "id", None)
        db.session.add(notice)
        db.session.flush()
        record_audit(actor, "privacy_notice_published", version=notice.version)
    return notice


def notice_html(notice: Notice) -> str:
    """The text as HTML: "## " headings, "- " lists, paragraphs; everything else escaped."""
    from markupsafe import Markup, escape

    out, items = [], []

    def flush_items():
        if items:
            out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for line in notice.body.split("\n"):
        line = line.strip()
        if line.startswith("- "):
            items.append(escape(line[2:]))
            continue
        flush_items()
        if line.startswith("## "):
            out.append(f"<h2>{escape(line[3:])}</h2>")
        elif line:
            out.append(f"<p>{escape(line)}</p>")
    flush_items()
    return Markup("\n".join(out))  # noqa: S704 - every piece above is escaped


# --------------------------------------------------------------------------- consents


@dataclass(frozen=True)
class ConsentGiven:
    """Proof that the person agreed, as the form or the organizer said."""

    channel: str = "web"
    recorded_by_id: int | None = None


def consent_from(value, channel: str = "web", recorded_by=None) -> ConsentGiven | None:
    """A ticked box ("y", True) or the API's ``consent: true`` (a JSON true only); else None."""
    if channel == "api":
        ok = value is True
    else:
        ok = value is True or (isinstance(value, str) and value.strip().lower() in ("y", "yes", "on", "true", "1"))
    if not ok:
        return None
    if channel not in CHANNELS:
        raise PrivacyError(_("Some of the information is not valid."))
    return ConsentGiven(channel=channel, recorded_by_id=getattr(recorded_by, "id", None))


def record_consent(given: ConsentGiven | None, subject_kind: str, subject_id: int, *purposes: str) -> list[Consent]:
    """Add the consent rows to the caller's transaction (the caller commits with its data)."""
    if given is None:
        raise PrivacyError(consent_missing_message())
    notice = ensure_notice()
    now = utcnow()
    rows = []
    for purpose in purposes:
        if purpose not in PURPOSES:
            raise ValueError(purpose)
        row = Consent(subject_kind=subject_kind, subject_id=subject_id, purpose=purpose, notice_id=notice.id,
                      given_at=now, channel=given.channel, recorded_by_id=given.recorded_by_id)
        db.session.add(row)
        rows.append(row)
    return rows


def consents_for(subjects) -> list[Consent]:
    subjects = list(subjects)
    if not subjects:
        return []
    clauses = [sa.and_(Consent.subject_kind == k, Consent.subject_id == i) for k, i in subjects]
    found = []
    for start in range(0, len(clauses), 200):
        found += db.session.scalars(sa.select(Consent).where(sa.or_(*clauses[start:start + 200])))
    return sorted(found, key=lambda c: (c.given_at, c.id))


def withdraw_message_consents(subjects) -> int:
    now = utcnow()
    changed = 0
    for consent in consents_for(subjects):
        if consent.purpose in MESSAGE_PURPOSES and consent.withdrawn_at is None:
            consent.withdrawn_at = now
            changed += 1
    return changed


# --------------------------------------------------------------------------- proving who you are


def _fernet():
    # Encrypted, not only signed: the link carries the person's phone or e-mail, and links end
    # up in browser history, server logs and forwarded messages.
    from cryptography.fernet import Fernet

    key = hmac.new(str(current_app.config["SECRET_KEY"]).encode(), b"civic.privacy.identity", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def identity_token(identity: Identity, proof: str) -> str:
    data = {"e": sorted(identity.emails), "p": sorted(identity.phones), "u": identity.user_id, "v": proof}
    return _fernet().encrypt(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def identity_from_token(token: str) -> tuple[Identity, str]:
    from cryptography.fernet import InvalidToken

    token = (token or "").strip()
    try:
        raw = _fernet().decrypt((token + "=" * (-len(token) % 4)).encode(), ttl=IDENTITY_MAX_AGE)
        data = json.loads(raw)
    except (InvalidToken, ValueError) as exc:
        # Expired and forged look the same to Fernet; say both.
        raise PrivacyError(_("This link is not valid or has expired. Open your personal link again or ask for a new code."), 404) from exc
    identity = Identity(frozenset(data.get("e") or ()), frozenset(data.get("p") or ()), data.get("u"))
    if not identity:
        raise PrivacyError(_("This link is not valid or has expired. Open your personal link again or ask for a new code."), 404)
    return identity, data.get("v") or "link"


def identity_of_user(user) -> Identity:
    """An account's identity: the account plus the e-mail and phone it has proved."""
    emails = {user.email.lower()} if user.email and user.email_verified_at else set()
    phones = {user.phone} if user.phone and getattr(user, "phone_verified_at", None) else set()
    return Identity(frozenset(emails), frozenset(phones), user.id)


def identity_of_link(email: str | None, phone: str | None) -> Identity:
    """A personal link proves the address it was sent to: the e-mail when there is one, else the phone."""
    if email:
        return Identity(emails=frozenset({email.lower()}))
    return Identity(phones=frozenset({phone})) if phone else Identity()


def identity_of_address(address: str) -> Identity:
    address = normalize_address(address)
    if "@" in address:
        return Identity(emails=frozenset({address}))
    return Identity(phones=frozenset({address}))


def _code_hash(address: str, code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"privacy-code:{address}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(raw_address: str, limited: bool = True) -> None:
    """Send a code to this phone or e-mail. The caller says the same whether anything is held
    for it or not: a code goes to any valid address (within the per-recipient daily cap)."""
    from civic.core import ratelimits

    address = normalize_address(raw_address)
    if limited and not ratelimits.count_message(address):
        return  # the same answer as when sent: nothing to learn from it
    code = f"{secrets.randbelow(10**6):06d}"
    now = utcnow()
    with transaction():
        db.session.execute(sa.update(Code).where(Code.address_hash == address_hash(address), Code.used_at.is_(None))
                           .values(used_at=now))
        db.session.add(Code(address_hash=address_hash(address), code_hash=_code_hash(address, code),
                            created_at=now, expires_at=now + CODE_TTL))
        signals.message_requested.send(
            current_app._get_current_object(), kind="privacy_code", address=address,
            subject=_("Your code to see your personal data"),
            body=_("Your code to see the personal data held about you: {code}\nIt is valid for 15 minutes. "
                   "If you did not ask for it, ignore this message."),
            sms_text=_("Your code to see your personal data: {code}"),
            context={"code": code}, dedupe=f"privacy:code:{address_hash(address)[:16]}:{now:%Y%m%d%H%M%S%f}",
        )


def verify_code(raw_address: str, code: str) -> str:
    """The "your data" link token for this address once its code is right."""
    address = normalize_address(raw_address)
    expired = PrivacyError(_("This code has expired or was tried too many times. Ask for a new code."))
    code = re.sub(r"\D", "", code or "")
    with transaction():
        row = db.session.scalar(
            sa.select(Code).where(Code.address_hash == address_hash(address), Code.used_at.is_(None))
            .order_by(Code.id.desc()).limit(1)
        )
        if row is None or row.expires_at < utcnow() or row.attempts >= CODE_MAX_ATTEMPTS:
            raise expired
        row.attempts += 1
        right = hmac.compare_digest(row.code_hash, _code_hash(address, code))
        if right:
            row.used_at = utcnow()
    if not right:  # the attempt is counted (committed above) before the refusal
        raise PrivacyError(_("This code is not right. Check the message and try again, or ask for a new code."))
    return identity_token(identity_of_address(address), "code")


# --------------------------------------------------------------------------- what is held


def gather(identity: Identity) -> list[registry.Section]:
    sections = []
    for _name, provider in registry.providers():
        section = provider.find(identity)
        if section is not None:
            sections.append(section)
    subjects = [s for section in sections for s in section.subjects]
    purposes, channels = purpose_labels(), channel_labels()
    consents = registry.Section(
        key="consents", title=_("Consents you gave"),
        headers=[_("Purpose"), _("Notice version"), _("Given on"), _("How"), _("Withdrawn on")],
        rows=[[purposes.get(c.purpose, c.purpose), c.notice.version, format_datetime(c.given_at),
               channels.get(c.channel, c.channel), format_datetime(c.withdrawn_at) if c.withdrawn_at else ""]
              for c in consents_for(subjects)],
    )
    hashes = [address_hash(a) for a in identity.addresses]
    clauses = [Request.contact_hash.in_(hashes)] if hashes else []
    if identity.user_id:
        clauses.append(Request.user_id == identity.user_id)
    kinds, statuses = request_kind_labels(), request_status_labels()
    requests = registry.Section(
        key="requests", title=_("Your requests about your data"),
        headers=[_("Request"), _("Received on"), _("Status"), _("Done on")],
        rows=[[kinds.get(r.kind, r.kind), format_datetime(r.created_at), statuses.get(r.status, r.status),
               format_datetime(r.closed_at) if r.closed_at else ""]
              for r in (db.session.scalars(sa.select(Request).where(sa.or_(*clauses)).order_by(Request.id))
                        if clauses else [])],
    )
    return [*sections, consents, requests]


def _register(kind: str, identity: Identity, proof: str, actor=None, *, outcome=None, text: str = "",
              done: bool = True, contact: str | None = None) -> Request:
    """Every request is registered (and audited) in the caller's transaction."""
    now = utcnow()
    first = contact or (identity.addresses[0] if identity.addresses else None)
    req = Request(
        kind=kind, proof=proof, user_id=identity.user_id, created_at=now,
        status="done" if done else "open", closed_at=now if done else None,
        contact=None if done else first, contact_hash=address_hash(first) if first else None,
        identity={"hashes": [address_hash(a) for a in identity.addresses], "user_id": identity.user_id},
        text=text, outcome=outcome or {},
    )
    db.session.add(req)
    db.session.flush()
    record_audit(actor, f"privacy_{kind}", request_id=req.id, proof=proof, status=req.status)
    return req


def _filename_stem() -> str:
    return f"du-lieu-ca-nhan-{utcnow():%Y%m%d}"


def export_json(identity: Identity, proof: str, actor=None) -> tuple[bytes, str]:
    sections = gather(identity)
    data = {"generated_at": isoformat_local(utcnow()), "controller": ward_settings(current_app.config)["issuer_name"],
            "sections": [{"key": s.key, "title": s.title, "note": s.note,
                          "rows": [dict(zip(s.headers, row, strict=False)) for row in s.rows]} for s in sections]}
    with transaction():
        _register("export", identity, proof, actor, outcome={"format": "json"})
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode(), _filename_stem() + ".json"


def export_xlsx(identity: Identity, proof: str, actor=None) -> tuple[bytes, str]:
    from openpyxl import Workbook

    sections = gather(identity)
    book = Workbook()
    book.remove(book.active)
    for section in sections:
        title = re.sub(r"[\[\]:*?/\\]", " ", section.title)[:31]
        sheet = book.create_sheet(title)
        sheet.append(safe_row(section.headers))
        for row in section.rows:
            sheet.append(safe_row(["" if v is None else v for v in row]))
        if section.note:
            sheet.append([])
            sheet.append(safe_row([section.note]))
    buffer = io.BytesIO()
    book.save(buffer)
    with transaction():
        _register("export", identity, proof, actor, outcome={"format": "xlsx"})
    return buffer.getvalue(), _filename_stem() + ".xlsx"


def record_access(identity: Identity, proof: str, actor=None) -> None:
    """Seeing one's data is a request; the same person opening the page again within the
    link's lifetime is the same request, so reloads don't bury the real ones."""
    contact_hash = address_hash(identity.addresses[0]) if identity.addresses else None
    recent = sa.select(Request.id).where(
        Request.kind == "access", Request.created_at > utcnow() - timedelta(seconds=IDENTITY_MAX_AGE),
        Request.contact_hash == contact_hash if contact_hash else Request.contact_hash.is_(None),
        Request.user_id == identity.user_id if identity.user_id else Request.user_id.is_(None),
    ).limit(1)
    if db.session.scalar(recent) is not None:
        return
    with transaction():
        _register("access", identity, proof, actor)


def correct_name(identity: Identity, proof: str, name: str, actor=None) -> int:
    from civic.core.text import clean_line

    name = clean_line(name or "")[:120]
    if not name:
        raise PrivacyError(_("Enter your name."))
    changed = 0
    with transaction():
        for _n, provider in registry.providers():
            if provider.correct is not None:
                changed += provider.correct(identity, name)
        _register("correct", identity, proof, actor, outcome={"rows": changed})
    return changed


def withdraw(identity: Identity, proof: str, actor=None) -> int:
    """Stop messages, as unsubscribing from every topic does, and mark the consents withdrawn."""
    changed = 0
    with transaction():
        subjects = []
        for _n, provider in registry.providers():
            if provider.withdraw is not None:
                changed += provider.withdraw(identity)
            section = provider.find(identity)
            if section is not None:
                subjects += section.subjects
        changed += withdraw_message_consents(subjects)
        _register("withdraw", identity, proof, actor, outcome={"rows": changed})
    return changed


@dataclass
class ErasureResult:
    request: Request
    erased: int
    kept: list[str]
    open: bool


def erase(identity: Identity, proof: str, actor=None) -> ErasureResult:
    """Erase or anonymise everything the providers hold, in one transaction.

    Providers keep what an official record must keep and say so; a provider that needs an
    administrator (a staff account) leaves the request open for them."""
    erased, kept, needs_admin = 0, [], False
    with transaction():
        for _n, provider in registry.providers():
            if provider.erase is None:
                continue
            result = provider.erase(identity)
            erased += result.erased
            kept += result.kept
            needs_admin = needs_admin or getattr(result, "needs_admin", False)
        req = _register("erase", identity, proof, actor, outcome={"erased": erased, "kept": kept},
                        done=not needs_admin)
    return ErasureResult(req, erased, kept, needs_admin)


def ask(identity: Identity, proof: str, text: str, actor=None) -> Request:
    """Anything else (restrict, object, a question): open until an administrator answers."""
    from civic.core.text import nfc

    text = nfc(text or "").strip()[:4000]
    if len(text) < 5:
        raise PrivacyError(_("Write what you are asking for."))
    with transaction():
        return _register("other", identity, proof, actor, text=text, done=False)


# --------------------------------------------------------------------------- administrators


def open_requests() -> list[Request]:
    return list(db.session.scalars(sa.select(Request).where(Request.status == "open").order_by(Request.created_at)))


def recent_requests(limit: int = 50) -> list[Request]:
    return list(db.session.scalars(
        sa.select(Request).where(Request.status == "done").order_by(Request.closed_at.desc()).limit(limit)
    ))


def age_days(req: Request) -> int:
    return max((utcnow() - req.created_at).days, 0)


def get_request(request_id) -> Request | None:
    return db.session.get(Request, request_id) if isinstance(request_id, int) else None


def close_request(req: Request, actor, note: str) -> Request:
    """Done: the person is told at the address they asked from, then only its hash is kept."""
    from civic.core.text import nfc

    if req.status != "open":
        raise PrivacyError(_("This request is already closed."), 409)
    note = nfc(note or "").strip()[:2000]
    if not note:
        raise PrivacyError(_("Write what was done, for the person and the record."))
    with transaction():
        req.status = "done"
        req.closed_at = utcnow()
        req.closed_by_id = getattr(actor, "id", None)
        req.outcome = {**(req.outcome or {}), "note": note}
        if req.contact:
            signals.message_requested.send(
                current_app._get_current_object(), kind="privacy_done", address=req.contact,
                subject=_("Your request about your personal data is done"),
                body=_("Your request about your personal data (received {received}) is done.\n\n{note}"),
                sms_text=_("Your request about your personal data is done: {note}"),
                context={"received": format_datetime(req.created_at), "note": note},
                dedupe=f"privacy:done:{req.id}",
            )
        req.contact = None
        record_audit(actor, "privacy_request_closed", request_id=req.id)
    return req


def consent_counts() -> list[tuple[str, int, int]]:
    """(purpose label, given, withdrawn) for the admin page."""
    rows = db.session.execute(
        sa.select(Consent.purpose, sa.func.count(Consent.id), sa.func.count(Consent.withdrawn_at))
        .group_by(Consent.purpose).order_by(Consent.purpose)
    ).all()
    labels = purpose_labels()
    return [(labels.get(p, p), int(n), int(w)) for p, n, w in rows]
