"""What notifications itself adds to every message (the e-mail page, the unsubscribe footer, the
SMS stop link) is rendered without sending, in vi and en, and compared with stored texts; the
domains that own a message's words render it the same way (services.render_message)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_babel import force_locale

from civic.notifications import services, worker
from civic.notifications.models import Campaign, Delivery
from civic.notifications.services import Recipient, create_campaign
from tests.snapshots import assert_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
UNSUBSCRIBE = "https://phuong.example/huy-dang-ky/<token>"
LAN = Recipient(key="r1", name="Nguyễn Thị Lan", email="lan@example.vn", phone="+84912345678",
                context={"event_title": "Họp tổ dân phố số 3"})


def _email_text(parts: dict) -> str:
    return f"Subject: {parts['subject']}\n\n{parts['text']}\n\n--- HTML ---\n{parts['html']}"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_broadcast_email_carries_the_unsubscribe_footer(app, lang):
    with app.test_request_context(), force_locale(lang):
        parts = services.render_message(
            "email", LAN, subject="Thông báo: {event_title}", body_text="Chào {name},\n\nHẹn gặp tại {event_title}.",
            unsubscribe_url=UNSUBSCRIBE)
    assert UNSUBSCRIBE in parts["text"] and parts["unsubscribe_url"] == UNSUBSCRIBE
    assert_snapshot(SNAPSHOTS / f"broadcast_email.{lang}.txt", _email_text(parts))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_transactional_email_has_no_footer(app, make_user, lang):
    user = make_user("resident")
    recipient = services.account_recipient(user, {"link": "https://phuong.example/xac-nhan"})
    with app.test_request_context(), force_locale(lang):
        parts = services.render_message("email", recipient, subject="Xác nhận địa chỉ email",
                                        body_text="Chào {name}, mở {link} để xác nhận.")
    assert parts["unsubscribe_url"] == "" and "--" not in parts["text"]
    text = _email_text(parts).replace(user.full_name, "<name>")
    assert_snapshot(SNAPSHOTS / f"transactional_email.{lang}.txt", text)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_sms_ends_with_its_stop_link(app, lang):
    with app.test_request_context(), force_locale(lang):
        parts = services.render_message("sms", LAN, sms_text="{event_title}: 19h tối nay tại nhà văn hóa.",
                                        unsubscribe_url="https://phuong.example/tc/12-abcdef0123")
    assert parts["text"].endswith("https://phuong.example/tc/12-abcdef0123")
    assert_snapshot(SNAPSHOTS / f"sms_stop.{lang}.txt", parts["text"])


def test_the_rendering_is_what_the_worker_sends(app, db_session):
    campaign = create_campaign(kind="announcement", topic="announcements", subject="Thông báo: {event_title}",
                               body_text="Chào {name}", recipients=[LAN], send_at=None)
    campaign = db_session.get(Campaign, campaign.id)
    delivery = db_session.query(Delivery).filter_by(campaign_id=campaign.id).one()
    with app.test_request_context():
        sent = worker.render_job(worker.job_from(delivery, campaign, []))
        alone = services.render_message("email", LAN, subject=campaign.subject, body_text=campaign.body_text,
                                        unsubscribe_url=sent["unsubscribe_url"])
    assert alone == sent


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("unsubscribe", [UNSUBSCRIBE + "?a=1&b='2'", ""])
def test_the_email_frame_gives_what_a_full_render_gives(app, lang, unsubscribe):
    """The page around an e-mail is rendered once per template and locale, its holes filled per
    message: the result is the template's own render, escaping included."""
    from flask import current_app
    from markupsafe import Markup

    from civic.notifications import rendering

    odd = Recipient(key="r2", name='Lan <b>"&\'</b>', email="lan@example.vn", context={"event_title": "A & <B>"})
    with app.test_request_context(), force_locale(lang):
        parts = services.render_message("email", odd, subject="{event_title} & {name}", body_text="{name}\n\n{event_title}",
                                        unsubscribe_url=unsubscribe)
        full = current_app.jinja_env.get_template("notifications/email.html").render(
            subject=parts["subject"], body=rendering.text_to_html("Lan <b>\"&'</b>\n\nA & <B>"),
            unsubscribe_url=unsubscribe, site_name=rendering.site_name())
        assert parts["html"] == full
        assert rendering._frame(bool(unsubscribe)).exact  # the frame was used, not a fallback render
        assert Markup("&lt;b&gt;") in parts["html"] and "<b>\"" not in parts["html"]


def test_a_template_that_does_more_with_a_value_is_rendered_whole(app):
    from flask import current_app

    from civic.notifications import rendering

    with app.test_request_context():
        template = current_app.jinja_env.from_string("<title>{{ subject|upper }}</title>{{ body }}{{ unsubscribe_url }}")
        frame = rendering._Frame(template, with_unsubscribe=True)
        assert not frame.exact  # the frame would write the subject as given: not used
        assert frame.render({"subject": "ab", "body": "", "unsubscribe_url": ""}).startswith("<title>AB")
