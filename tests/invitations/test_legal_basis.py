"""Lists a ward already holds: imports and hand-made contacts record their legal basis and source."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import Workbook

from civic.extensions import db
from civic.invitations.models import Contact
from tests.conftest import get_csrf, submit_form


def _workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["Họ và tên", "Chức vụ", "Đơn vị", "Điện thoại"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _import(client, data: bytes, name: str, **confirm):
    token = get_csrf(client, "/danh-ba/nhap")
    r = client.post("/danh-ba/nhap", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    preview_url = r.headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert "Thực hiện nhiệm vụ công" in html  # the choice, with its default, on the preview
    job_id = preview_url.rsplit("/", 1)[1]
    return client.post(f"/danh-ba/nhap/{job_id}/ghi", data={"csrf_token": get_csrf(client, preview_url), **confirm}), job_id


def test_import_records_public_duty_and_file_on_each_contact_and_the_job(client, login, organizer):
    from civic.invitations import services as svc

    login(organizer)
    first = _workbook([["Nguyễn Văn An", "Bí thư chi bộ", "Chi bộ tổ 1", "0912000001"],
                       ["Trần Thị Bình", "Tổ trưởng", "Tổ dân phố số 2", "0912000002"]])
    r, job_id = _import(client, first, "can-bo-2026.xlsx")
    assert r.status_code == 303
    contacts = db.session.scalars(sa.select(Contact).order_by(Contact.id)).all()
    assert [(c.legal_basis, c.source) for c in contacts] == [("public_duty", "can-bo-2026.xlsx")] * 2
    assert svc.read_job(job_id)["legal_basis"] == "public_duty"
    assert svc.read_job(job_id)["filename"] == "can-bo-2026.xlsx"

    # A second file updates Bình, adds Cường; the basis chosen is recorded on both, An is untouched.
    second = _workbook([["Trần Thị Bình", "Tổ trưởng tổ dân phố", "Tổ dân phố số 2", "0912000002"],
                        ["Lê Văn Cường", "Trưởng ban", "Mặt trận", "0912000003"]])
    r, _job = _import(client, second, "bo-sung.xlsx", legal_basis="legal_obligation")
    assert r.status_code == 303
    db.session.expire_all()
    got = {c.full_name: (c.legal_basis, c.source) for c in db.session.scalars(sa.select(Contact))}
    assert got == {"Nguyễn Văn An": ("public_duty", "can-bo-2026.xlsx"),
                   "Trần Thị Bình": ("legal_obligation", "bo-sung.xlsx"),
                   "Lê Văn Cường": ("legal_obligation", "bo-sung.xlsx")}

    html = client.get("/danh-ba").get_data(as_text=True)
    assert "Thực hiện nhiệm vụ công" in html and "Tệp can-bo-2026.xlsx" in html and "Tệp bo-sung.xlsx" in html
    an = next(c for c in db.session.scalars(sa.select(Contact)) if c.full_name == "Nguyễn Văn An")
    page = client.get(f"/danh-ba/{an.id}/sua").get_data(as_text=True)
    assert "Tệp can-bo-2026.xlsx" in page


def test_a_bad_basis_is_refused_and_nothing_is_written(client, login, organizer):
    login(organizer)
    r, _job = _import(client, _workbook([["Nguyễn Văn An", "", "", "0912000001"]]), "x.xlsx", legal_basis="because")
    assert r.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0


def test_contact_by_hand_records_its_basis(client, login, organizer):
    login(organizer)
    page = client.get("/danh-ba/them").get_data(as_text=True)
    assert "Cơ sở pháp lý" in page
    r = submit_form(client, "/danh-ba/them", {"full_name": "Phạm Thị Dung", "legal_basis": "consent"})
    assert r.status_code == 302
    c = db.session.scalar(sa.select(Contact))
    assert (c.legal_basis, c.source) == ("consent", "")
    assert "Nhập tay" in client.get("/danh-ba").get_data(as_text=True)
    r = submit_form(client, "/danh-ba/them", {"full_name": "Phạm Văn Em"})  # default
    assert db.session.scalar(sa.select(Contact).where(Contact.given_name == "Em")).legal_basis == "public_duty"
    r = submit_form(client, "/danh-ba/them", {"full_name": "Phạm Văn Giang", "legal_basis": "whim"})
    assert r.status_code == 400


def test_cli_import_records_the_file_name(app, tmp_path):
    from civic.invitations.importer import import_contacts

    path = tmp_path / "lanh-dao.xlsx"
    path.write_bytes(_workbook([["Đỗ Minh Anh", "Trưởng Công an phường", "Công an phường", "0912000005"]]))
    import_contacts(path.read_bytes(), str(path))
    c = db.session.scalar(sa.select(Contact))
    assert (c.legal_basis, c.source) == ("public_duty", "lanh-dao.xlsx")
