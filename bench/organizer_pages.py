"""The organizer's pages at size: the answers page of an event with 1,000 RSVPs, and the sign-in
sheet of a meeting with 500 invitees (issue 12: each ≤ 50 ms).

    python -m bench.organizer_pages [--rsvps 1000] [--invitees 500] [--requests 20] [--profile answers|sheet]

A fresh SQLite database in a temporary directory; an organizer signed in through the real login
form; each page requested in-process through the test client (no socket, no load generator).
Reports the median and p95 wall time and the median CPU time (time.process_time) per request.
The process freezes its start-up objects out of the collector's way first, as a gunicorn worker
does (civic.gunicorn_conf).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta

FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
MIDDLE = "Văn Thị Minh Đức Thu Hồng Quốc Thanh Ngọc Xuân".split()
GIVEN = "An Bình Chi Dũng Hà Hải Hương Lan Long Mai Nam Ngân Phúc Quang Sơn Tâm Thảo Trang Tuấn Vy".split()


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def _build(app, rsvps: int, invitees: int):
    from civic.accounts.services import create_user, get_or_create_group
    from civic.core.timeutil import utcnow
    from civic.events.models import Event, Rsvp
    from civic.extensions import db
    from civic.invitations import services as svc

    rng = random.Random(12)
    organizer = create_user(email="tochuc@phuong.example.vn", full_name="Lê Thu Hà", password="mat-khau-du-dai-1",
                            role="organizer", verified=True)
    db.session.commit()
    groups = [get_or_create_group(f"Tổ dân phố số {n}") for n in range(1, 16)]
    db.session.commit()
    start = utcnow() + timedelta(days=5)
    big = Event(title="Ngày hội đại đoàn kết toàn dân tộc", slug="ngay-hoi", starts_at=start,
                ends_at=start + timedelta(hours=3), venue_name="Sân nhà văn hóa", venue_address="Số 12 phố Hòa Bình",
                organizer_id=organizer.id, audience="public", status="published", capacity=rsvps + 100,
                allow_guests=True, max_guests=2)
    meeting = Event(title="Hội nghị triển khai nhiệm vụ năm 2021", slug="hoi-nghi", starts_at=start,
                    ends_at=start + timedelta(hours=3), venue_name="Hội trường UBND phường",
                    venue_address="Số 12 phố Hòa Bình", organizer_id=organizer.id, audience="invite_only",
                    status="published")
    db.session.add_all([big, meeting])
    db.session.commit()
    now = utcnow()
    for n in range(rsvps):
        response = rng.choices(["yes", "maybe", "no"], [8, 1, 1])[0]
        db.session.add(Rsvp(event_id=big.id, name=_name(rng), phone=f"+849120{n:05d}", email=None,
                            residential_group_id=rng.choice(groups).id, response=response,
                            status="confirmed" if response != "no" else "declined",
                            guests=rng.choice([0, 0, 1, 2]) if response == "yes" else 0, answers={},
                            source=rng.choice(["web", "api"]), created_at=now - timedelta(minutes=n),
                            updated_at=now - timedelta(minutes=n)))
    db.session.commit()
    units = ["Chi bộ tổ 1", "Công an phường", "Trường Tiểu học Hòa Bình", "Hội Phụ nữ", "Đoàn Thanh niên"]
    ids = []
    for n in range(invitees):
        contact = svc.save_contact(None, full_name=_name(rng), position="Tổ trưởng", unit=rng.choice(units),
                                   residential_group=rng.choice(groups).name, phone=f"09130{n:05d}")
        ids.append(contact.id)
    svc.add_invitees(meeting, contact_ids=ids)
    db.session.commit()
    return big.id, meeting.id


def _time(client, url: str, requests: int) -> tuple[list[float], list[float], int]:
    wall, cpu = [], []
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    size = len(response.get_data())
    for _ in range(requests):
        w0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        assert response.status_code == 200
    return wall, cpu, size


def run(rsvps: int = 1000, invitees: int = 500, requests: int = 20, profile: str | None = None,
        verbose: bool = False) -> list[dict]:
    from civic import create_app
    from civic.extensions import db

    rows = []
    with tempfile.TemporaryDirectory(prefix="civic-organizer-") as tmp:
        app = create_app({
            "TESTING": True, "SECRET_KEY": "bench", "CIVIC_DATA_DIR": tmp, "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "CIVIC_BASE_URL": "http://localhost",
            "RATELIMIT_ENABLED": False, "MAIL_BACKEND": "locmem",
        })
        with app.app_context():
            db.create_all()
            big_id, meeting_id = _build(app, rsvps, invitees)
            db.session.remove()
        from civic.core.runtime import freeze_startup_objects

        freeze_startup_objects()  # as each gunicorn worker does once the app is loaded (civic.gunicorn_conf)
        client = app.test_client()
        signed_in = client.post("/dang-nhap", data={"email": "tochuc@phuong.example.vn",
                                                    "password": "mat-khau-du-dai-1"})
        assert signed_in.status_code in (302, 303), signed_in.status_code
        pages = {
            "answers": (f"answers page, {rsvps:,} RSVPs", f"/su-kien/quan-ly/{big_id}"),
            "sheet": (f"sign-in sheet, {invitees:,} invitees", f"/thu-moi/su-kien/{meeting_id}/danh-sach-ky"),
        }
        for key, (label, url) in pages.items():
            url = _resolve(app, key, big_id, meeting_id) or url
            wall, cpu, size = _time(client, url, requests)
            rows.append({"metric": f"{label} (median)", "value": round(statistics.median(wall), 1), "unit": "ms"})
            rows.append({"metric": f"{label} (p95)", "value": round(_percentile(wall, 95), 1), "unit": "ms"})
            rows.append({"metric": f"{label} (CPU median)", "value": round(statistics.median(cpu), 1),
                         "unit": "ms CPU"})
            if verbose:
                print(f"{label}: {url} {size:,} B, wall median {statistics.median(wall):.1f} ms, "
                      f"p95 {_percentile(wall, 95):.1f} ms, CPU {statistics.median(cpu):.1f} ms", flush=True)
            if profile == key:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                prof.enable()
                for _ in range(5):
                    client.get(url)
                prof.disable()
                pstats.Stats(prof).sort_stats("tottime").print_stats(30)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return rows


def _resolve(app, key: str, big_id: int, meeting_id: int) -> str | None:
    """The pages' addresses from the URL map (the blueprints' prefixes are theirs to change)."""
    with app.test_request_context():
        from flask import url_for

        if key == "answers":
            return url_for("events.answers", event_id=big_id)
        return url_for("invitations.sign_in_sheet", event_id=meeting_id)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.organizer_pages")
    parser.add_argument("--rsvps", type=int, default=1000)
    parser.add_argument("--invitees", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--profile", default=None, help="answers or sheet")
    args = parser.parse_args(argv)
    for row in run(args.rsvps, args.invitees, args.requests, args.profile, verbose=True):
        print(f"{row['metric']}: {row['value']} {row['unit']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
