"""The personal data notice: its default text, drafts, numbered versions, and its HTML."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup, escape

from civic.config import ward_settings
from civic.core.db import transaction
from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.privacy.audit import record_audit
from civic.privacy.models import Notice
from civic.privacy.services.errors import PrivacyError


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
