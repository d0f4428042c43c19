"""Benchmarks: `make bench` (python -m bench). Never part of `make test`.

bench/pages.py serves the demo ward with gunicorn and loads it with wrk (or a Python client);
bench/memory.py measures RSS; the domain modules (news_search, contact_import, delivery, rsvp)
each expose run() and are called when present.
"""
