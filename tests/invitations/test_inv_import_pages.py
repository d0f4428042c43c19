"""The import page (preview, editable mapping, all-or-nothing write), the API and the CLI."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from civic.extensions import db
from civic.invitations.models import Contact
from tests.conftest import get_csrf
from tests.invitations.test_inv_import import messy_workbook


def upload(client, data: bytes, name: str):
    token = get_csrf(client, "/danh-ba/nhap")
    return client.post("/danh-ba/nhap", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_preview_then_confirm(client, login, organizer):
    login(organizer)
    r = upload(client, messy_workbook(), "danh-sach.xlsx")
    assert r.status_code == 302
    preview_url = r.headers["Location"]
    job_id = preview_url.rsplit("/", 1)[1]
    html = client.get(preview_url).get_data(as_text=True)
    assert "Nguyễn Văn An" in html
    for row in ("11", "12", "13", "14"):
        assert f"<td>{row}</td>" in html
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0
    status = client.get(f"/danh-ba/nhap/{job_id}/trang-thai.json").get_json()
    assert status["state"] == "ready"
    # The upload waits under the data directory, not in the session.
    from flask import current_app

    assert (current_app.config["CIVIC_DATA_DIR"] + "/contact-imports") and list(
        __import__("pathlib").Path(current_app.config["CIVIC_DATA_DIR"], "contact-imports").glob(f"{job_id}.upload"))
    token = get_csrf(client, preview_url)
    r = client.post(f"/danh-ba/nhap/{job_id}/ghi", data={"csrf_token": token})
    assert r.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 5
    # Confirming twice writes nothing more.
    client.post(f"/danh-ba/nhap/{job_id}/ghi", data={"csrf_token": token})
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 5


def test_mapping_can_be_changed(client, login, organizer):
    login(organizer)
    data = "Họ và tên,Ghi chú\nNguyễn Văn An,0912 345 678\n".encode()
    r = upload(client, data, "x.csv")
    preview_url = r.headers["Location"]
    job_id = preview_url.rsplit("/", 1)[1]
    html = client.get(preview_url).get_data(as_text=True)
    assert re.search(r'name="col-1"', html)
    token = get_csrf(client, preview_url)
    client.post(f"/danh-ba/nhap/{job_id}/cot", data={"csrf_token": token, "col-0": "full_name", "col-1": "phone"})
    client.post(f"/danh-ba/nhap/{job_id}/ghi", data={"csrf_token": token})
    an = db.session.scalar(sa.select(Contact))
    assert an.phone == "+84912345678" and an.notes == ""


def test_bad_files_get_a_message_not_a_500(client, login, organizer):
    login(organizer)
    r = upload(client, b"\x89PNG\r\n\x1a\n\x00\x00binary", "anh.png")
    assert r.status_code == 400
    assert "không phải bảng tính" in r.get_data(as_text=True)
    r = upload(client, "một,hai\nba,bốn\n".encode(), "x.csv")
    preview = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Không tìm thấy dòng tiêu đề" in preview
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0


def test_other_users_cannot_see_an_import(client, login, organizer, make_user):
    login(organizer)
    r = upload(client, messy_workbook(), "x.xlsx")
    preview_url = r.headers["Location"]
    other = make_user(role="organizer")
    client.post("/dang-xuat", data={"csrf_token": get_csrf(client, "/danh-ba")})
    login(other)
    assert client.get(preview_url).status_code == 404
    assert client.get("/danh-ba/nhap/..%2F..%2Fsecret_key").status_code == 404


def test_residents_cannot_open_the_directory(client, login, make_user):
    login(make_user(role="resident"))
    assert client.get("/danh-ba").status_code == 403
    assert client.get("/danh-ba/xuat.xlsx").status_code == 403


def test_api_import_dry_run_then_write(client, organizer, api_token):
    auth = {"Authorization": f"Bearer {api_token(organizer)}"}
    r = client.post("/api/v1/contacts/import", headers=auth, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(messy_workbook()), "x.xlsx"), "dry_run": "true"})
    assert r.status_code == 200
    body = r.get_json()
    assert (body["created"], body["updated"], body["unchanged"]) == (5, 0, 0)
    assert {x["row"] for x in body["rejected"]} == {11, 12, 13, 14}
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0
    r = client.post("/api/v1/contacts/import", headers=auth, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(messy_workbook()), "x.xlsx"), "dry_run": "false"})
    assert r.get_json()["created"] == 5
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 5
    r = client.post("/api/v1/contacts/import", headers=auth, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(b"%PDF-1.4\x00"), "x.pdf")})
    assert r.status_code == 422 and "bảng tính" in r.get_json()["error"]["message"]
    r = client.post("/api/v1/contacts/import", headers=auth, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(messy_workbook()), "x.xlsx"), "dry_run": "perhaps"})
    assert r.status_code == 400


def test_cli_import_and_export(app, tmp_path):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(messy_workbook())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["contacts", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Tạo mới: 5" in result.output and "dòng 13" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0
    result = runner.invoke(args=["contacts", "import", str(path)])
    assert result.exit_code == 0 and db.session.scalar(sa.select(sa.func.count(Contact.id))) == 5
    out = tmp_path / "export.xlsx"
    result = runner.invoke(args=["contacts", "export", str(out)])
    assert result.exit_code == 0 and out.read_bytes()[:2] == b"PK"
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    result = runner.invoke(args=["contacts", "import", str(bad)])
    assert result.exit_code != 0 and "dòng tiêu đề" in result.output


def test_preview_names_the_changes_in_vietnamese(client, login, organizer):
    login(organizer)
    first = "Họ và tên,Chức vụ,Số điện thoại,Tổ dân phố\nNguyễn Văn An,Tổ phó,0912 345 678,Tổ dân phố số 1\n"
    r = upload(client, first.encode(), "a.csv")
    job_id = r.headers["Location"].rsplit("/", 1)[1]
    client.post(f"/danh-ba/nhap/{job_id}/ghi", data={"csrf_token": get_csrf(client, r.headers["Location"])})
    second = ("Họ và tên,Chức vụ,Số điện thoại,Tổ dân phố,Nhóm,Email\n"
              "Nguyễn Văn Ân,Tổ trưởng,0912 345 678,Tổ dân phố số 2,Tổ trưởng tổ dân phố,an@example.vn\n")
    r = upload(client, second.encode(), "b.csv")
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    cell = re.search(r"<td>(Họ và tên, [^<]*)</td>", html)
    assert cell, html
    assert cell.group(1) == "Họ và tên, Chức vụ, Tổ dân phố, Email, Nhóm"
    for raw in ("groups", "residential group", "residential_group", "given name", "position"):
        assert f">{raw}" not in html and f", {raw}" not in html


def _confirm(client, preview_url, data):
    job_id = preview_url.rsplit("/", 1)[1]
    return client.post(f"/danh-ba/nhap/{job_id}/ghi", data={"csrf_token": get_csrf(client, preview_url), **data})


def test_import_puts_the_whole_file_in_a_new_group(client, login, organizer):
    from civic.invitations.models import ContactGroup

    login(organizer)
    r = upload(client, messy_workbook(), "danh-sach.xlsx")
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Đưa mọi người trong tệp vào nhóm" in html
    r = _confirm(client, r.headers["Location"], {"group_id": "0", "new_group": "Đại biểu hội nghị 2021"})
    assert r.status_code == 303
    group = db.session.scalar(sa.select(ContactGroup).where(ContactGroup.name == "Đại biểu hội nghị 2021"))
    assert len(group.contacts) == 5  # the five valid rows; the rejected ones are left out
    # The same file again, into an existing group: the unchanged people join it too.
    other = ContactGroup(name="Khách mời", name_folded="khach moi")
    db.session.add(other)
    db.session.commit()
    r = upload(client, messy_workbook(), "danh-sach.xlsx")
    preview = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "disabled>" not in preview.split("Ghi vào danh bạ")[0].rsplit("<button", 1)[1]
    r = _confirm(client, r.headers["Location"], {"group_id": str(other.id)})
    assert r.status_code == 303
    db.session.refresh(other)
    assert len(other.contacts) == 5
    assert "Đã thêm 5 người vào nhóm" in client.get("/danh-ba").get_data(as_text=True)


def test_import_into_a_post_group_is_refused_whole(client, login, organizer):
    from civic.invitations.models import ContactGroup

    login(organizer)
    post_group = ContactGroup(name="Tổ trưởng", name_folded="to truong", post_title_folded="to truong")
    db.session.add(post_group)
    db.session.commit()
    preview_url = upload(client, messy_workbook(), "danh-sach.xlsx").headers["Location"]
    r = _confirm(client, preview_url, {"group_id": str(post_group.id)})
    assert r.status_code == 400 and "chức danh" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0
    r = _confirm(client, preview_url, {"group_id": "junk"})
    assert r.status_code == 303  # junk is no group: the import is written without one
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 5
