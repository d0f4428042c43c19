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


def run(rows: int = 100_000, rounds: int = 5, verbose: bool = False) -> list[dict]:
    import sqlalchemy as sa

    from civic import create_app
    from civic.core.text import fold
    from civic.extensions import db
    from civic.news import services
    from civic.news.models import Article, migration_ddl

    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "TESTING": True, "SECRET_KEY": "bench", "CIVIC_DATA_DIR": tmp,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "CIVIC_BASE_URL": "http://localhost",
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
            trigger_ddl = [d for d in migration_ddl("sqlite") if d.startswith("CREATE TRIGGER")]
            with db.engine.begin() as conn:
                for name in ("ai", "ad", "au"):
                    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS news_articles_fts_{name}")
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
                conn.exec_driver_sql("INSERT INTO news_articles_fts(news_articles_fts) VALUES ('rebuild')")
                for statement in trigger_ddl:
                    conn.exec_driver_sql(statement)
            load_seconds = time.perf_counter() - started
            results.append({"metric": f"load {rows:,} articles (bulk insert, one FTS5 rebuild)",
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
            db.engine.dispose()
    return results


if __name__ == "__main__":
    import sys

    for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, verbose=True):
        print(f"{row['metric']}: {row['value']} {row['unit']}")
