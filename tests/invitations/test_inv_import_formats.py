"""Spreadsheets as the wards keep them: Excel 97-2003 (.xls) and LibreOffice (.ods) files, made by
LibreOffice (tests/invitations/fixtures/make_fixtures.py), and the broken files people upload."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from civic.extensions import db
from civic.invitations.importer import ImportFileError, import_contacts
from civic.invitations.models import Contact
from tests.conftest import get_csrf

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("name", ["danh-sach-phuong.xls", "danh-sach-phuong.ods"])
def test_ward_list_with_merged_title_rows(app, name):
    report = import_contacts(fixture(name), name, dry_run=True)
    # Two merged title rows and a blank row above the Vietnamese header on row 4.
    assert report.header_row == 4
    assert report.headers[:3] == ["STT", "Họ và tên", "Chức vụ"]
    assert set(report.mapping.values()) >= {"stt", "full_name", "position", "unit", "residential_group", "phone",
                                            "notes"}
    by_row = {r.row: r for r in report.rows}
    # Row 5 holds column numbers, row 6 a section title merged across: neither is a person.
    assert sorted(by_row) == [7, 8, 9, 10, 11]
    assert [r.row for r in report.rows if r.action == "create"] == [7, 8, 9, 11]
    nhung = by_row[7].values
    assert (nhung["family_name"], nhung["middle_name"], nhung["given_name"]) == ("Đinh", "Thị Hồng", "Nhung")
    assert nhung["phone"] == "+84983120450" and nhung["unit"] == "Ủy ban MTTQ phường"
    assert by_row[8].values["phone"] == "+84978300111"  # typed as a number, leading zero lost
    assert by_row[8].values["notes"] == "Số gọi được sau 17 giờ"
    assert by_row[9].values["unit"] == "Ban CTMT khu dân cư số 4"  # merged down from row 8
    assert by_row[10].action == "reject" and "ngày tháng" in by_row[10].reason
    assert by_row[11].values["phone"] == "+84912777014"

    summary = import_contacts(fixture(name), name).summary()
    assert summary["created"] == 4
    huong = db.session.scalar(sa.select(Contact).where(Contact.given_name == "Hương"))
    assert huong.residential_group.name == "Tổ dân phố số 4"
    again = import_contacts(fixture(name), name).summary()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)


@pytest.mark.parametrize(("name", "needle"), [
    ("not-really.xls", "không phải là sổ tính Excel"),  # text saved under an .xls name
    ("empty.ods", "không có nội dung"),
    ("password.xlsx", "mật khẩu"),
])
def test_broken_files_are_explained(app, name, needle):
    with pytest.raises(ImportFileError) as exc:
        import_contacts(fixture(name), name)
    assert needle in str(exc.value)
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0


def test_damaged_workbooks(app):
    xls = fixture("danh-sach-phuong.xls")
    ods = fixture("danh-sach-phuong.ods")
    for data, name in ((xls[:2000], "cut.xls"), (xls[:8] + b"\x00" * 600, "zeros.xls"),
                       (ods[: len(ods) // 2], "cut.ods"), (b"PK\x03\x04" + b"\x07" * 300, "garbage.xlsx"),
                       (b"\x00\x01\x02garbage" * 50, "garbage.xlsx")):
        with pytest.raises(ImportFileError) as exc:
            import_contacts(data, name)
        assert "tải lên" in str(exc.value), name


def upload(client, data: bytes, name: str):
    token = get_csrf(client, "/danh-ba/nhap")
    return client.post("/danh-ba/nhap", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_upload_page_takes_xls_and_ods(client, login, organizer):
    login(organizer)
    html = client.get("/danh-ba/nhap").get_data(as_text=True)
    assert 'accept=".xlsx,.xlsm,.xls,.xlsb,.ods,.csv"' in html
    for name in ("danh-sach-phuong.xls", "danh-sach-phuong.ods"):
        r = upload(client, fixture(name), name)
        assert r.status_code == 302, r.get_data(as_text=True)
        preview = client.get(r.headers["Location"]).get_data(as_text=True)
        assert "Đinh Thị Hồng Nhung" in preview and "Quách Minh Trí" in preview


@pytest.mark.parametrize(("name", "needle"), [
    ("not-really.xls", "không phải là sổ tính Excel"),
    ("empty.ods", "không có nội dung"),
    ("password.xlsx", "mật khẩu"),
])
def test_upload_of_a_broken_file_is_refused_at_once(client, login, organizer, name, needle):
    login(organizer)
    r = upload(client, fixture(name), name)
    assert r.status_code == 400
    assert needle in r.get_data(as_text=True)


def test_upload_of_a_damaged_xls(client, login, organizer):
    login(organizer)
    r = upload(client, fixture("danh-sach-phuong.xls")[:2000], "hong.xls")
    assert r.status_code == 400
    assert "bị hỏng" in r.get_data(as_text=True)


def test_preview_of_a_file_without_header_is_a_4xx(client, login, organizer):
    login(organizer)
    r = upload(client, "một,hai\nba,bốn\n".encode(), "x.csv")
    preview = client.get(r.headers["Location"])
    assert preview.status_code == 422
    assert "Không tìm thấy dòng tiêu đề" in preview.get_data(as_text=True)


def test_cli_imports_xls_and_ods(app, tmp_path):
    runner = app.test_cli_runner()
    for name in ("danh-sach-phuong.xls", "danh-sach-phuong.ods"):
        path = tmp_path / name
        path.write_bytes(fixture(name))
        result = runner.invoke(args=["contacts", "import", str(path), "--dry-run"])
        assert result.exit_code == 0, result.output
        assert "Dòng tiêu đề: 4" in result.output and "Tạo mới: 4" in result.output
        assert "dòng 10" in result.output
    bad = tmp_path / "khong-phai.xls"
    bad.write_bytes(fixture("not-really.xls"))
    result = runner.invoke(args=["contacts", "import", str(bad)])
    assert result.exit_code != 0 and "không phải là sổ tính Excel" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0
