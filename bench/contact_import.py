"""Importing contacts on SQLite: a generated .xlsx of N leaders, parsed, classified and written.

run(rows=10_000) -> [{"metric", "value", "unit"}, ...]. The issue asks for under 10 s at 10,000 rows.
Where LibreOffice is installed (soffice), the same list converted to .xls and .ods is read too.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Minh", "Hoàng", "Thu", "Đức", "Thanh", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hải", "Khoa", "Lan", "Mai", "Nam", "Oanh", "Phúc", "Quân", "Sơn"]


def make_workbook(rows: int) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["DANH SÁCH ĐẠI BIỂU"])
    ws.append(["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Tổ dân phố", "Số điện thoại", "Email"])
    for n in range(rows):
        name = f"{FAMILY[n % 12]} {MIDDLE[n // 12 % 8]} {GIVEN[n // 96 % 14]}"
        ws.append([n + 1, name, "Tổ trưởng", f"Đơn vị {n % 40}", f"Tổ dân phố số {n % 30 + 1}",
                   f"09{n:08d}", f"nguoi{n}@example.vn"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(rows: int = 10_000) -> list[dict]:
    from civic import create_app
    from civic.extensions import db
    from civic.invitations.importer import analyse, write_import

    data = make_workbook(rows)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "CIVIC_DATA_DIR": tmp,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"})
        with app.app_context():
            db.create_all()
            c0, t0 = time.process_time(), time.perf_counter()
            report = analyse(data, "bench.xlsx")
            c1, t1 = time.process_time(), time.perf_counter()
            summary = write_import(report)
            c2, t2 = time.process_time(), time.perf_counter()
            assert summary["created"] == rows, summary
            again = analyse(data, "bench.xlsx")
            t3 = time.perf_counter()
            assert again.count("unchanged") == rows
            other_formats = []
            soffice = shutil.which("soffice")
            for fmt in ("xls", "ods") if soffice else ():
                source = Path(tmp) / "bench.xlsx"
                source.write_bytes(data)
                subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile", "--convert-to",
                                fmt, "--outdir", tmp, str(source)], check=True, capture_output=True, timeout=600)
                converted = (Path(tmp) / f"bench.{fmt}").read_bytes()
                c4 = time.process_time()
                report = analyse(converted, f"bench.{fmt}")
                c5 = time.process_time()
                assert report.count("unchanged") == rows, fmt
                other_formats.append({"metric": f"contact re-import {rows} rows: read + check CPU time ({fmt})",
                                      "value": round(c5 - c4, 2), "unit": "s"})
            db.session.remove()
            db.engine.dispose()
    return [
        {"metric": f"contact import {rows} rows: read + check (xlsx)", "value": round(t1 - t0, 2), "unit": "s"},
        {"metric": f"contact import {rows} rows: write (one transaction)", "value": round(t2 - t1, 2), "unit": "s"},
        {"metric": f"contact import {rows} rows: total", "value": round(t2 - t0, 2), "unit": "s"},
        {"metric": f"contact re-import {rows} rows (all unchanged)", "value": round(t3 - t2, 2), "unit": "s"},
        # CPU time of this process: what the import costs on a machine not shared with other work.
        {"metric": f"contact import {rows} rows: read + check CPU time", "value": round(c1 - c0, 2), "unit": "s"},
        {"metric": f"contact import {rows} rows: total CPU time", "value": round(c2 - c0, 2), "unit": "s"},
        {"metric": f"contact import {rows} rows: write CPU time", "value": round(c2 - c1, 2), "unit": "s"},
        *other_formats,
    ]


if __name__ == "__main__":
    for line in run():
        print(f"{line['metric']}: {line['value']} {line['unit']}")
