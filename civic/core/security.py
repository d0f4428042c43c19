"""Security headers on every response; safe redirects."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from flask import Flask, request

CSP = (
    "default-src 'self'; "
    "script-src 'self'; "
    "style-src 'self'; "
    "img-src 'self' data: blob:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "media-src 'self' blob:; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)


def security_headers(app: Flask, *, secure: bool) -> list[tuple[str, str]]:
    """The headers every response carries (also sent by the page cache's hits)."""
    headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(self), geolocation=(), microphone=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if secure or app.config.get("CIVIC_HTTPS"):
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def _set_headers(response):
        for name, value in security_headers(app, secure=request.is_secure):
            response.headers.setdefault(name, value)
        return response


def is_safe_redirect(target: str | None) -> bool:
    """Only paths on this site: refuses //evil.example, https://evil.example, backslash tricks."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    ref = urlsplit(request.host_url)
    test = urlsplit(urljoin(request.host_url, target))
    return test.scheme in {"http", "https"} and ref.netloc == test.netloc


def safe_next(target: str | None, default: str) -> str:
    return target if is_safe_redirect(target) else default
