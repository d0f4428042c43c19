"""News search at scale: 100,000 articles in a fresh SQLite database (FTS5 over folded text).

run(rows=100_000) -> [{"metric", "value", "unit"}, ...]: load time, then search latency (median,
p95) over queries typed with and without tone marks, through the same service the pages use,
and the search page itself (rendered through the test client).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

WORDS = (
    "phường tổ dân phố hội nghị triển khai công tác năm kế hoạch nhân dân cử tri bầu cử đại biểu hội đồng "
    "thông báo lịch tiếp công dân môi trường vệ sinh ra quân thanh niên phụ nữ cựu chiến binh người cao tuổi "
    "trường học khai giảng y tế tiêm chủng phòng chống dịch an ninh trật tự đường ngõ phố chỉnh trang đô thị "
    "văn hóa thể thao trung thu thiếu nhi tết nguyên đán quà gia đình chính sách ủy ban mặt trận đoàn thể "
    "kinh tế ngân sách thu chi cải cách hành chính một cửa hồ sơ trực tuyến đảng ủy chi bộ sinh hoạt "
    "đội cấn vĩnh phúc hoàng hoa thám liễu giai đào tấn xây dựng sửa chữa nhà văn hóa cây xanh"
).split()
QUERIES = [
    "hoi nghi", "hội nghị", "bau cu dai bieu", "Đội Cấn", "doi can", "thong bao lich tiep", "ve sinh moi truong",
    "trung thu thieu nhi", "tiem", "cai cach hanh chinh mot cua", "khong co tu nay", "2021", "!!!", "a" * 500,
]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _pg_database(base_url: str):
    """A fresh database next to ``base_url``'s (dropped afterwards): (url, drop)."""
    import uuid

    import sqlalchemy as sa

    url = sa.engine.make_url(base_url)
    name = f"civic_bench_search_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def run(rows: int = 100_000, rounds: int = 5, verbose: bool = False) -> list[dict]:
    """SQLite always; PostgreSQL too when CIVIC_BENCH_DATABASE_URL or CIVIC_TEST_DATABASE_URL is set."""
    import os

    results = [dict(r, metric=f"SQLite: {r['metric']}") for r in run_one(rows, rounds, verbose)]
    pg = os.environ.get("CIVIC_BENCH_DATABASE_URL") or os.environ.get("CIVIC_TEST_DATABASE_URL")
    if pg:
        url, drop = _pg_database(pg)
        try:
            results += [dict(r, metric=f"PostgreSQL: {r['metric']}") for r in run_one(rows, rounds, verbose, url)]
        finally:
            drop()
    else:
        results.append({"metric": "PostgreSQL: not run (set CIVIC_TEST_DATABASE_URL)", "value": "", "unit": ""})
    return results


def run_one(rows: int = 100_000, rounds: int = 5, verbose: bool = False, database_url: str | None = None) -> list[dict]:
    import sqlalchemy as sa

    from civic import create_app
    from civic.core.text import fold
    from civic.extensions import db
    from civic.news import services
    from civic.news.models import SQLITE_FTS_TABLES, Article, migration_ddl

    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "TESTING": True, "SECRET_KEY": "bench", "CIVIC_DATA_DIR": tmp,
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{tmp}/bench.sqlite3",
            "CIVIC_BASE_URL": "http://localhost",
        })
        with app.app_context():
            db.create_all()
            category_ids = [c.id for c in services.ensure_default_categories()]
            db.session.commit()
            db.session.close()  # every SQLite transaction here takes the write lock: hold none while loading
            rng = random.Random(2021)
            start_date = datetime(2015, 1, 1, tzinfo=UTC)
            started = time.perf_counter()
            batch: list[dict] = []
            table = Article.__table__
            # A bulk import indexes once at the end instead of row by row through the triggers.
            sqlite = database_url is None
            trigger_ddl = [d for d in migration_ddl("sqlite") if d.startswith("CREATE TRIGGER")] if sqlite else []
            with db.engine.begin() as conn:
                for fts in SQLITE_FTS_TABLES if sqlite else ():
                    for name in ("ai", "ad", "au"):
                        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {fts}_{name}")
                for n in range(rows):
                    title = _text(rng, rng.randint(6, 14)).capitalize()
                    summary = _text(rng, 25)
                    body = " ".join(f"<p>{_text(rng, 40)}</p>" for _ in range(3))
                    when = start_date + timedelta(minutes=45 * n)
                    batch.append({
                        "title": title[:250], "slug": f"bai-{n}", "summary": summary, "body_html": body,
                        "category_id": category_ids[n % len(category_ids)], "status": "published",
                        "published_at": when, "created_at": when, "updated_at": when, "byline": "Ban biên tập",
                        "pinned": False, "view_count": 0,
                        "title_folded": fold(title), "body_folded": fold(summary + " " + body.replace("<p>", " ")
                                                                          .replace("</p>", " ")),
                    })
                    if len(batch) == 5000:
                        conn.execute(sa.insert(table), batch)
                        batch = []
                if batch:
                    conn.execute(sa.insert(table), batch)
                if sqlite:
                    for fts in SQLITE_FTS_TABLES:  # every row is published: 'rebuild' indexes what the triggers would
                        conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
                else:  # the tsvector is a generated column: filled as rows go in
                    conn.exec_driver_sql("ANALYZE news_articles")
                for statement in trigger_ddl:
                    conn.exec_driver_sql(statement)
            load_seconds = time.perf_counter() - started
            results.append({"metric": f"load {rows:,} articles (bulk insert{', one FTS5 rebuild' if sqlite else ''})",
                            "value": round(load_seconds, 1), "unit": "s"})
            services.search("hoi nghi")  # warm the page cache
            timings: list[float] = []
            hits: dict[str, int] = {}
            per_query: dict[str, list[float]] = {q: [] for q in QUERIES}
            for _ in range(rounds):
                for query in QUERIES:
                    t0 = time.perf_counter()
                    page = services.search(query)
                    elapsed = (time.perf_counter() - t0) * 1000
                    timings.append(elapsed)
                    per_query[query].append(elapsed)
                    hits[query] = page.total
            slowest = max(per_query, key=lambda q: statistics.median(per_query[q]))
            results.append({"metric": "search latency median (service, 10 results)",
                            "value": round(statistics.median(timings), 2), "unit": "ms"})
            results.append({"metric": "search latency p95 (service, 10 results)",
                            "value": round(_percentile(timings, 95), 2), "unit": "ms"})
            client = app.test_client()
            page_timings: list[float] = []
            for _ in range(rounds):
                for query in QUERIES[:8]:
                    t0 = time.perf_counter()
                    response = client.get("/tin-tuc/tim-kiem", query_string={"q": query})
                    page_timings.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200
            results.append({"metric": "search page latency median (rendered, highlighted)",
                            "value": round(statistics.median(page_timings), 2), "unit": "ms"})
            results.append({"metric": "search page latency p95 (rendered, highlighted)",
                            "value": round(_percentile(page_timings, 95), 2), "unit": "ms"})
            results.append({"metric": f"slowest query median ({slowest[:20]!r}, {hits[slowest]:,} matches)",
                            "value": round(statistics.median(per_query[slowest]), 2), "unit": "ms"})
            results.append({"metric": "matches for 'hoi nghi'", "value": hits["hoi nghi"], "unit": "articles"})
            if verbose:
                for query, values in per_query.items():
                    print(f"  {query[:24]!r:28} {hits[query]:>7} matches  median {statistics.median(values):8.2f} ms")
            db.session.remove()
            if not sqlite:
                db.drop_all()
            db.engine.dispose()
    return results


if __name__ == "__main__":
    import sys

    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    if len(sys.argv) > 2 and sys.argv[2] == "--pg":
        import os

        url, drop = _pg_database(os.environ["CIVIC_TEST_DATABASE_URL"])
        try:
            found = run_one(rows, verbose=True, database_url=url)
        finally:
            drop()
    else:
        found = run(rows, verbose=True)
    for row in found:
        print(f"{row['metric']}: {row['value']} {row['unit']}")
