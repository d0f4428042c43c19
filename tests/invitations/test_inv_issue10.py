"""Issue 10: what the printed giấy mời, the sign-in sheet, the report and the SMS say."""

from __future__ import annotations

import pytest

from civic.extensions import db
from civic.invitations import services as svc
from civic.privacy.services import ConsentGiven
from tests.conftest import submit_form
from tests.invitations.conftest import inv_of

# ----------------------------------------------------------------- 3. signatory


def test_letters_never_print_none_before_the_settings_are_saved(client, login, organizer, conference):
    login(organizer)
    html = client.get(f"/su-kien/{conference.id}/giay-moi/in").get_data(as_text=True)
    assert "None" not in html
    # No signer configured: the title from the ward settings and a blank line to sign on.
    assert "TM. ỦY BAN NHÂN DÂN" in html and "CHỦ TỊCH" in html
    assert html.count('class="gm-sign-blank"') == 6
    form = client.get(f"/su-kien/{conference.id}/giay-moi/mau").get_data(as_text=True)
    assert "None" not in form


@pytest.fixture
def signer_config(app):
    app.config.update(CIVIC_WARD_SIGNER_NAME="Đỗ Mạnh Cường", CIVIC_WARD_SIGNER_TITLE="KT. CHỦ TỊCH\\nPHÓ CHỦ TỊCH")
    yield
    app.config.pop("CIVIC_WARD_SIGNER_NAME")
    app.config.pop("CIVIC_WARD_SIGNER_TITLE")


def test_letter_signer_defaults_come_from_the_ward_settings(client, login, organizer, conference, signer_config):
    login(organizer)
    html = client.get(f"/su-kien/{conference.id}/giay-moi/in").get_data(as_text=True)
    assert html.count("Đỗ Mạnh Cường") == 6 and "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" in html
    assert "gm-sign-blank" not in html and "None" not in html


def test_config_reads_the_signer_from_the_environment(monkeypatch):
    from civic.config import load_config

    monkeypatch.setenv("CIVIC_WARD_SIGNER_NAME", "Nguyễn Văn Ký")
    assert load_config({"TESTING": True})["CIVIC_WARD_SIGNER_NAME"] == "Nguyễn Văn Ký"


# ----------------------------------------------------------------- 4. role


def test_invitees_are_plain_delegates_unless_chosen(client, login, organizer, make_event, directory):
    event = make_event()
    login(organizer)
    page = client.get(f"/su-kien/{event.id}/giay-moi").get_data(as_text=True)
    assert '<option selected value="dai_bieu">' in page or '<option value="dai_bieu" selected>' in page
    assert '<option selected value="chu_tri">' not in page
    # What the form posts by default: nobody becomes a chair by accident.
    import re

    chosen = re.search(r'<select[^>]*name="role"[^>]*>(.*?)</select>', page, re.S).group(1)
    first_selected = re.search(r'<option (?:selected )?value="(\w+)"(?: selected)?', chosen)
    assert "selected" in chosen and 'value="chu_tri" selected' not in chosen and first_selected
    assert svc.add_invitees(event, contact_ids=[directory["Nguyễn Văn An"].id]) == 1
    html = client.get(f"/su-kien/{event.id}/giay-moi/in").get_data(as_text=True)
    assert "với tư cách đại biểu" in html and "chủ trì" not in html


# ----------------------------------------------------------------- 5. sign-in sheet


@pytest.fixture
def numbered_units(app, make_event):
    event = make_event(title="Hội nghị các tổ dân phố")
    ids = []
    for n, name in [(10, "Trần Văn Bảo"), (2, "Lê Thị Cúc"), (1, "Nguyễn Văn An"), (12, "Phạm Văn Đông"),
                    (11, "Vũ Thị Ánh")]:
        ids.append(svc.save_contact(None, full_name=name, position="Tổ trưởng", unit=f"Tổ dân phố số {n}").id)
    ids.append(svc.save_contact(None, full_name="Đặng Văn Ân", position="Trưởng", unit="Công an phường").id)
    svc.add_invitees(event, contact_ids=ids)
    return event


def test_units_sort_by_their_number_then_vietnamese_order(numbered_units):
    sections = svc.sign_in_sheet(numbered_units, "don-vi")
    assert [unit for unit, _ in sections] == ["Công an phường", "Tổ dân phố số 1", "Tổ dân phố số 2",
                                              "Tổ dân phố số 10", "Tổ dân phố số 11", "Tổ dân phố số 12"]
    assert [unit for unit, _ in svc.attendance_report(numbered_units)["by_unit"]] == [u for u, _ in sections]


def test_sheet_default_is_one_list_by_given_name(client, login, organizer, numbered_units):
    [(header, people)] = svc.sign_in_sheet(numbered_units)
    assert header == ""
    # Given name first (An, Ánh, Ân, Bảo, Cúc, Đông: â after a, tones after letters), then middle and family.
    assert [p.full_name for p in people] == ["Nguyễn Văn An", "Vũ Thị Ánh", "Đặng Văn Ân", "Trần Văn Bảo",
                                             "Lê Thị Cúc", "Phạm Văn Đông"]
    login(organizer)
    html = client.get(f"/su-kien/{numbered_units.id}/danh-sach-ky").get_data(as_text=True)
    assert 'class="sheet-unit"' not in html
    order = [html.index(p.full_name) for p in people]
    assert order == sorted(order)
    grouped = client.get(f"/su-kien/{numbered_units.id}/danh-sach-ky?nhom=don-vi").get_data(as_text=True)
    assert grouped.count('class="sheet-unit"') == 6
    assert grouped.index("Tổ dân phố số 2") < grouped.index("Tổ dân phố số 10")
    # The tick page lists them in the same order.
    tick = client.get(f"/su-kien/{numbered_units.id}/danh-sach-ky/danh-dau").get_data(as_text=True)
    order = [tick.index(p.full_name) for p in people]
    assert order == sorted(order)
    assert client.get(f"/su-kien/{numbered_units.id}/danh-sach-ky?nhom=x").status_code == 200


# ----------------------------------------------------------------- 6. report by group


def test_report_groups_by_invitation_group_then_post_then_other(conference, directory):
    for n in (3, 4):
        person = svc.save_contact(None, full_name=f"Lý Văn Hậu {n}", position="Trưởng ban công tác Mặt trận",
                                  unit=f"Tổ dân phố số {n}", residential_group=f"Tổ dân phố số {n}")
        post = svc.get_or_create_post("Trưởng ban công tác Mặt trận", person.residential_group)
        db.session.commit()
        svc.hand_over(post, person)
        svc.add_invitees(conference, post_ids=[post.id])
    svc.add_walk_in(conference, "Bùi Văn Tuấn")
    rows = svc.attendance_report(conference)["by_group"]
    # Groups first (one row each, also the post-based one), then posts (one row per title,
    # not one per tổ), then everyone else under "Khác".
    assert [name for name, _ in rows] == ["Bí thư chi bộ", "Tổ trưởng tổ dân phố", "Trưởng ban công tác Mặt trận",
                                          "Khác"]
    counts = dict(rows)
    assert counts["Bí thư chi bộ"]["invited"] == 2
    assert counts["Tổ trưởng tổ dân phố"]["invited"] == 2
    assert counts["Trưởng ban công tác Mặt trận"]["invited"] == 2
    assert counts["Khác"]["invited"] == 2 and counts["Khác"]["walk_ins"] == 1


# ----------------------------------------------------------------- 7. declined then came


def test_checked_in_wins_over_a_decline_and_the_history_keeps_both(client, login, organizer, conference):
    an = inv_of(conference, "Nguyễn Văn An")
    svc.check_in(an, organizer)
    svc.answer(an, "decline", reason="Bận đột xuất", via="link", consent=ConsentGiven())
    totals = svc.attendance_report(conference)["totals"]
    assert totals["attended"] == 1 and totals["declined"] == 0
    assert an.status == "decline" and an.reason == "Bận đột xuất" and an.checked_in_at is not None
    assert any(i.id == an.id for _, people in svc.sign_in_sheet(conference) for i in people)
    login(organizer)
    html = client.get(f"/su-kien/{conference.id}/giay-moi").get_data(as_text=True)
    row = html[html.index("Nguyễn Văn An"):]
    row = row[:row.index("</tr>")]
    assert "Có mặt" in row and "inv-status-decline" not in row and "Bận đột xuất" in row
    assert "Đã báo vắng" in row


# ----------------------------------------------------------------- 8. stop link wording


def test_invitation_sms_says_the_link_stops_messages(app, conference, organizer):
    from civic.notifications.sms import sms_outbox_dir

    svc.send_invitations(conference, organizer)
    [sms] = sorted(sms_outbox_dir(app).glob("*.txt"))
    text = sms.read_text(encoding="utf-8")
    assert "Ngung nhan tin: http" in text and "Tu choi" not in text
    mail = next(m for m in app.extensions["mailman"].outbox if "an@example.vn" in m.to[0])
    footer = mail.body.split("\n--\n", 1)[1]
    assert "ngừng nhận" in footer.lower() and "từ chối" not in footer.lower()


def test_qr_confirmation_button_checks_in_once(client, login, organizer, conference):
    login(organizer)
    an = inv_of(conference, "Phạm Thị Ánh")
    url = f"/diem-danh/{an.checkin_code}"
    assert submit_form(client, url, {}).status_code == 303
    assert submit_form(client, f"/su-kien/{conference.id}/diem-danh", {}, action=url).status_code == 303
    db.session.refresh(an)
    assert an.checkin_method == "qr"


def test_substitute_phone_is_kept_and_checked(client, conference):
    an = inv_of(conference, "Nguyễn Văn An")
    url = f"/giay-moi/{an.token}"
    r = submit_form(client, url, {"response": "substitute", "substitute_name": "Vũ Văn Nam", "substitute_phone": "12ab"})
    assert r.status_code == 400
    db.session.refresh(an)
    assert an.status == "pending"
    r = submit_form(client, url, {"response": "substitute", "substitute_name": "Vũ Văn Nam",
                                  "substitute_phone": "0987 654 321"})
    assert r.status_code == 303
    db.session.refresh(an)
    assert an.substitute_phone == "+84987654321"
    with pytest.raises(svc.InvitationError):
        svc.answer(an, "substitute", substitute_name="Vũ Văn Nam", substitute_phone="123", via="phone", consent=ConsentGiven())
    svc.answer(an, "attend", via="phone", consent=ConsentGiven())
    assert an.substitute_phone is None


def test_invitee_who_attends_finds_the_check_in_code_on_their_own_page(client, conference):
    """The printed letter is not the only place with the QR code: the answer page shows it too."""
    inv = inv_of(conference, "Nguyễn Văn An")
    url = f"/giay-moi/{inv.token}"
    assert "Mã điểm danh" not in client.get(url).get_data(as_text=True)  # no answer yet
    svc.answer(inv, "attend", via="link", consent=ConsentGiven())
    page = client.get(url).get_data(as_text=True)
    assert "Mã điểm danh" in page and 'src="data:image/svg+xml' in page
    svc.answer(inv, "decline", reason="Bận công tác", via="link", consent=ConsentGiven())
    assert "Mã điểm danh" not in client.get(url).get_data(as_text=True)
