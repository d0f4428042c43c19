"""Importing the directory of leaders from messy spreadsheets (made here with openpyxl)."""

from __future__ import annotations

import io
import unicodedata
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from civic.extensions import db
from civic.invitations.importer import ImportFileError, import_contacts
from civic.invitations.models import Contact, ContactGroup


def messy_workbook() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "ỦY BAN NHÂN DÂN PHƯỜNG HÒA BÌNH"
    ws.merge_cells("A1:G1")
    ws["A2"] = "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ TRIỂN KHAI NHIỆM VỤ NĂM 2021"
    ws.merge_cells("A2:G2")
    ws.append([])
    ws.append(["STT", "HỌ VÀ TÊN", "Chức vụ", "Đơn vị", "Tổ dân phố", "SĐT", "Email"])  # row 4
    ws.append(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"])  # row 5
    ws.append([1, "Nguyễn Văn An", "Bí thư chi bộ", "Chi bộ Tổ dân phố 1", "Tổ dân phố số 1", "0912.345.678", None])  # 6
    ws.append([2, "  Trần   Thị Bình ", "Tổ trưởng", "Tổ dân phố 2", "2", "+84 913 222 333", "binh@example.vn"])  # 7
    ws.append([])  # 8 blank
    ws.append([3, "Lê Hoàng Cường", "Trưởng ban CTMT", "Ban CTMT tổ 3", "Tổ dân phố số 3", 914555666, None])  # 9 number phone
    ws.append([4, "Phạm Thị Dung", "Phó trưởng ban", "Ban CTMT tổ 3", None, "0915 777 888", None])  # 10 merged unit
    ws.merge_cells("D9:D10")
    ws.append([5, date(2021, 1, 29), "Đại biểu", "X", None, "0916000111", None])  # 11 date in name
    ws.append([6, "Hoàng Văn Em", "Đại biểu", "Y", None, None, None])  # 12 formula w/o value set below
    ws["F12"] = "=CONCATENATE(\"09\",\"17\")"
    ws.append([7, "Nguyễn Văn An", "Bí thư chi bộ", "Chi bộ 1", None, "0912 345 678", None])  # 13 duplicate of 6
    ws.append([8, "Vũ Thị Giang", "Hiệu trưởng", "Trường Tiểu học Hòa Bình", None, "12345", None])  # 14 bad phone
    ws.append([9, "Đỗ Minh Hải", "Trưởng Công an phường", "Công an phường", None, None, "HAI@example.VN"])  # 15
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_messy_workbook_preview_then_write(app):
    report = import_contacts(messy_workbook(), "ds.xlsx", dry_run=True)
    assert report.header_row == 4
    assert set(report.mapping.values()) >= {"full_name", "phone", "position", "unit", "residential_group", "email"}
    by_row = {r.row: r for r in report.rows}
    assert sorted(r.row for r in report.rows if r.action == "create") == [6, 7, 9, 10, 15]
    rejected = {r.row: r.reason for r in report.rows if r.action == "reject"}
    assert set(rejected) == {11, 12, 13, 14}
    assert "ngày tháng" in rejected[11]
    assert "công thức" in rejected[12]
    assert "6" in rejected[13]
    assert by_row[7].values["phone"] == "+84913222333"
    assert by_row[7].values["family_name"] == "Trần" and by_row[7].values["given_name"] == "Bình"
    assert by_row[9].values["phone"] == "+84914555666"
    assert by_row[10].values["unit"] == "Ban CTMT tổ 3"  # merged down from row 9
    assert by_row[15].values["email"] == "hai@example.vn"
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0  # a preview writes nothing

    summary = import_contacts(messy_workbook(), "ds.xlsx").summary()
    assert summary["created"] == 5
    assert {r["row"] for r in summary["rejected"]} == {11, 12, 13, 14}
    contacts = db.session.scalars(sa.select(Contact)).all()
    assert len(contacts) == 5
    binh = next(c for c in contacts if c.given_name == "Bình")
    assert binh.residential_group.number == 2
    # Importing the same file again: nothing to create, nothing changed.
    again = import_contacts(messy_workbook(), "ds.xlsx").summary()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 5)


def test_update_matched_by_phone_then_email(app):
    import_contacts(messy_workbook(), "ds.xlsx")
    csv_text = (
        "Họ tên;Chức vụ;Điện thoại;E-mail\n"
        "Nguyễn Văn An;Bí thư Đảng ủy;0912345678;\n"
        "Đỗ Minh Hải;Trưởng Công an phường;;hai@example.vn\n"
        "Mai Văn Khoa;Trạm trưởng Trạm y tế;0987 654 321;\n"
    )
    summary = import_contacts(csv_text.encode("utf-8-sig"), "ds.csv").summary()
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (1, 1, 1)
    an = db.session.scalar(sa.select(Contact).where(Contact.phone == "+84912345678"))
    assert an.position == "Bí thư Đảng ủy"
    assert an.unit == "Chi bộ Tổ dân phố 1"  # blank cells never erase what is known


def to_cp1258(text: str) -> bytes:
    """Windows-1258 keeps letters with hats/horns precomposed and tones as combining marks."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in tones))
        out.append(base + "".join(p for p in parts if p in tones))
    return "".join(out).encode("cp1258")


def test_cp1258_csv_and_groups_column(app):
    text = "HỌ VÀ TÊN,SỐ ĐIỆN THOẠI,Nhóm\nNgô Thị Lan,0903 111 222,Bí thư chi bộ; Tổ trưởng tổ dân phố\n"
    data = to_cp1258(text)
    summary = import_contacts(data, "x.csv").summary()
    assert summary["created"] == 1
    lan = db.session.scalar(sa.select(Contact))
    assert lan.family_name == "Ngô" and lan.given_name == "Lan"
    assert sorted(g.name for g in lan.groups) == ["Bí thư chi bộ", "Tổ trưởng tổ dân phố"]
    assert db.session.scalar(sa.select(sa.func.count(ContactGroup.id))) == 2


def test_not_a_spreadsheet(app):
    with pytest.raises(ImportFileError) as exc:
        import_contacts(b"%PDF-1.4\x00\x01binary", "scan.pdf")
    assert "không phải bảng tính" in str(exc.value)
    with pytest.raises(ImportFileError):
        import_contacts(b"PK\x03\x04 not really a zip", "x.xlsx")
    with pytest.raises(ImportFileError) as exc:
        import_contacts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls")
    assert "bị hỏng" in str(exc.value)  # an .xls header with nothing behind it


def test_no_recognisable_header(app):
    wb = openpyxl.Workbook()
    ws = wb.active
    for n in range(40):
        ws.append(["abc", n, "xyz"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ImportFileError) as exc:
        import_contacts(out.getvalue(), "x.xlsx")
    assert "dòng tiêu đề" in str(exc.value)
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0


def test_too_many_rows_is_refused_whole(app):
    lines = ["Họ và tên,Số điện thoại"] + [f"Nguyễn Văn Người{chr(97 + n % 26)},09{n:08d}" for n in range(50_000)]
    with pytest.raises(ImportFileError) as exc:
        import_contacts("\n".join(lines).encode(), "big.csv")
    assert "20.000" in str(exc.value)
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0


def test_split_name_columns_and_section_rows(app):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH KHÁCH MỜI"])
    ws.append(["TT", "Họ đệm", "Tên", "Chức danh", "Cơ quan"])
    ws.append(["I. ĐẢNG ỦY PHƯỜNG"])
    ws.append([1, "Nguyễn Thị Minh", "Khai", "Bí thư Đảng ủy", "Đảng ủy phường"])
    ws.append(["II. UBND PHƯỜNG"])
    ws.append([2, "Bùi", "Tuấn", "Chủ tịch", "UBND phường"])
    out = io.BytesIO()
    wb.save(out)
    report = import_contacts(out.getvalue(), "x.xlsx", dry_run=True)
    assert [r.action for r in report.rows] == ["create", "create"]
    khai = report.rows[0].values
    assert (khai["family_name"], khai["middle_name"], khai["given_name"]) == ("Nguyễn", "Thị Minh", "Khai")


def with_cached_value(data: bytes, cell: str, value: str) -> bytes:
    """Give a formula cell the cached value Excel stores when it saves (openpyxl cannot)."""
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rf'<c r="{cell}"><f>(.*?)</f><v></v></c>'.encode(),
                                 rf'<c r="{cell}" t="str"><f>\1</f><v>{value}</v></c>'.encode(), content)
            target.writestr(item, content)
    return out.getvalue()


def test_formula_cached_values_are_read(app):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Họ và tên", "SĐT", "Đơn vị"])
    ws.append(["Nguyễn Văn An", '="0912"&"345678"', "UBND phường"])
    ws.append(["Trần Thị Bình", '="0913"&"222333"', "UBND phường"])
    out = io.BytesIO()
    wb.save(out)
    data = with_cached_value(out.getvalue(), "B2", "0912345678")
    report = import_contacts(data, "x.xlsx", dry_run=True)
    assert report.rows[0].action == "create" and report.rows[0].values["phone"] == "+84912345678"
    assert report.rows[1].action == "reject" and report.rows[1].row == 3
