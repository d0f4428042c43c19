"""One outbox email as an admin reads it: subject as heading, From/To/Date in ward time, decoded text."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from civic.core.timeutil import utcnow


def _write_eml(app, name="20261202T044111035157-71.eml") -> str:
    message = EmailMessage()
    message["Subject"] = "Giấy mời dự Hội nghị triển khai nhiệm vụ năm 2021"
    message["From"] = "Ủy ban nhân dân phường <ubnd@example.vn>"
    message["To"] = "xuan.ntt@example.vn"
    message["Date"] = "Wed, 02 Dec 2026 04:41:11 +0000"
    message.set_content("Kính gửi bà Nguyễn Thị Thanh Xuân,\nTrân trọng kính mời bà tới dự hội nghị.",
                        cte="base64")
    message.add_alternative("<p>Kính gửi bà <b>Nguyễn Thị Thanh Xuân</b></p>", subtype="html")
    message.add_attachment(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", maintype="text", subtype="calendar",
                           filename="hoi-nghi.ics")
    folder = Path(app.config["MAIL_FILE_PATH"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(message.as_bytes(policy=SMTP))
    return name


def test_outbox_message_shows_subject_headers_and_readable_text(app, client, make_user, login):
    name = _write_eml(app)
    login(make_user("admin"))
    response = client.get(f"/quan-tri/hop-thu-di/{name}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    h1 = html.split("<h1", 1)[1].split(">", 1)[1].split("</h1>", 1)[0]
    assert h1.strip() == "Giấy mời dự Hội nghị triển khai nhiệm vụ năm 2021"
    assert "Ủy ban nhân dân phường" in html and "ubnd@example.vn" in html
    assert "xuan.ntt@example.vn" in html
    assert "Thứ Tư, 02/12/2026, 11:41" in html  # 04:41 UTC in Hà Nội time
    assert "Trân trọng kính mời bà tới dự hội nghị." in html
    assert "hoi-nghi.ics" in html
    assert "Content-Transfer-Encoding" not in html and "MIME-Version" not in html
    assert "<b>Nguyễn" not in html and "&lt;b&gt;" not in html


def test_outbox_message_without_subject_or_date_still_opens(app, client, make_user, login):
    folder = Path(app.config["MAIL_FILE_PATH"])
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%dT%H%M%S}-1.eml"
    (folder / name).write_bytes(b"To: a@example.vn\r\nDate: not a date\r\n\r\nXin ch\xc3\xa0o\r\n")
    login(make_user("admin"))
    response = client.get(f"/quan-tri/hop-thu-di/{name}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "a@example.vn" in html and "None" not in html
