"""Browser-side defences: security headers on every kind of answer, cookie flags (with and without
SECURE_COOKIES), templates without inline script or style, capability tokens of 128 bits or more."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from litestar.testing import TestClient

from app.config import Settings
from app.main import create_app
from app.templating import TEMPLATES_DIR
from app.workshops import service
from tests.support import Person

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def check_headers(r) -> None:
    csp = r.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["connect-src"] == "'self'" and directives["form-action"] == "'self'"
    assert "unsafe" not in csp and "http" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"


def test_every_kind_of_answer_carries_the_security_headers(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    phases, lanes = facilitator.cell_ids(ws.slug)
    answers = {
        "page": facilitator.get("/"),
        "board": facilitator.get(f"/w/{ws.slug}"),
        "fragment": facilitator.add_card(ws.slug, phases[0], lanes[0], "kopregels"),
        "refused fragment": facilitator.add_card(ws.slug, phases[0], lanes[0], ""),
        "error page": facilitator.get("/j/bestaat-niet"),
        "not a member": make_person().get(f"/w/{ws.slug}"),
        "csrf refusal": facilitator.client.post("/workshops", data={"title": "x"}),
        "svg": facilitator.get(f"/w/{ws.slug}/qr.svg"),
        "static": facilitator.get("/static/app.css"),
        "module": facilitator.get(re.search(r'src="(/js/[^"]+)"', facilitator.get("/").text).group(1)),
        "json": facilitator.get("/healthz"),
        "privacy": facilitator.get("/privacy"),
        "unknown path": facilitator.get("/bestaat/niet"),
    }
    for name, r in answers.items():
        try:
            check_headers(r)
        except (AssertionError, KeyError) as e:
            raise AssertionError(f"{name}: {r.status_code} {dict(r.headers)}") from e


def cookie_flags(set_cookie_headers: list[str]) -> dict[str, set[str]]:
    """name -> its attributes, lower-cased (httponly, secure, samesite=lax, ...)."""
    out = {}
    for header in set_cookie_headers:
        name = header.split("=", 1)[0].strip()
        out[name] = {part.strip().lower() for part in header.split(";")[1:]}
    return out


@pytest.mark.parametrize("secure", [False, True])
def test_cookies_are_httponly_samesite_and_secure_when_asked(tmp_path, secure):
    settings = Settings(sessions_dir=tmp_path, exports_dir=tmp_path / "exports", secure_cookies=secure)
    base = "https://testserver.local" if secure else "http://testserver.local"
    with TestClient(create_app(settings), base_url=base) as client:
        seen = cookie_flags(client.get("/").headers.get_list("set-cookie"))
        token = client.cookies["csrftoken"]
        created = client.post("/workshops", data={"title": "Koekjes"}, headers={"x-csrftoken": token},
                              follow_redirects=False)
        assert created.status_code == 303
        seen.update(cookie_flags(created.headers.get_list("set-cookie")))
        seen.update(cookie_flags(client.get("/lang/en?next=/", follow_redirects=False).headers.get_list("set-cookie")))
    member = next(name for name in seen if name.startswith("zl_m_"))
    for name in ("csrftoken", member, "zl_lang"):
        flags = seen[name]
        assert "httponly" in flags, name
        assert "samesite=lax" in flags, name
        assert ("secure" in flags) is secure, (name, flags)
        assert "path=/" in flags


def test_secure_cookies_setting_is_read_from_the_environment():
    assert Settings.from_env({"SECURE_COOKIES": "true"}).secure_cookies is True
    assert Settings.from_env({}).secure_cookies is False


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<[^>]*\son[a-z]+\s*=", re.I), "on*= handler"),
    (re.compile(r"<[^>]*\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"hx-on", re.I), "hx-on handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


# The PDF templates (the report, the blank template) are rendered by WeasyPrint in a worker, never
# served to a browser: their print styles are inline by design, and WeasyPrint's URL fetcher only
# reads app/static (tests/export/).
NOT_SERVED = {"export_pdf.html", "export_blank.html"}


def test_no_template_has_inline_script_handlers_or_styles():
    templates = sorted(t for t in Path(TEMPLATES_DIR).glob("**/*.html") if t.name not in NOT_SERVED)
    assert len(templates) >= 8
    found = [(t.name, what) for t in templates for pattern, what in INLINE if pattern.search(t.read_text())]
    assert found == []


def test_the_pattern_check_would_catch_them():
    for sample in ['<script>alert(1)</script>', '<button onclick="x()">', '<p style="color:red">',
                   '<div hx-on:click="x">', '<a href="javascript:x()">', "<style>p{}</style>"]:
        assert any(p.search(sample) for p, _what in INLINE), sample
    assert not any(p.search('<script src="/static/app.js" defer></script>') for p, _what in INLINE)


def test_rendered_pages_have_no_inline_script_or_style(facilitator: Person, make_person):
    ws = facilitator.create_workshop()
    participant = make_person()
    participant.join(ws, "Anna")
    for html in (facilitator.get(f"/w/{ws.slug}").text, participant.get(f"/w/{ws.slug}").text,
                 facilitator.get("/").text, facilitator.get("/privacy").text,
                 facilitator.get(f"/w/{ws.slug}/participants").text):
        soup = BeautifulSoup(html, "html.parser")
        # Only our own files: vendored htmx under /static/, our ES modules under /js/<version>/.
        assert all(s.get("src", "").startswith(("/static/", "/js/")) for s in soup.find_all("script"))
        for tag in soup.find_all(True):
            assert "style" not in tag.attrs, tag.name
            assert not [a for a in tag.attrs if a.startswith("on") or a.startswith("hx-on")], tag.name
    for js in [*Path(TEMPLATES_DIR).parent.joinpath("static").glob("*.js"), *Path(TEMPLATES_DIR).parent.joinpath("static", "js").glob("*.js")]:
        assert not re.search(r"\beval\(|new Function\(", js.read_text()), js.name


def random_bits(token: str) -> int:
    return len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8


def test_capability_tokens_carry_at_least_128_random_bits():
    for make, bits in ((service.new_join_token, 128), (service.new_facilitator_token, 192),
                       (service.new_member_token, 256)):
        tokens = {make() for _ in range(500)}
        assert len(tokens) == 500
        assert all(random_bits(t) >= bits for t in tokens), make.__name__
        assert all(re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in tokens)


def test_links_of_a_real_workshop_carry_the_tokens(facilitator: Person):
    ws = facilitator.create_workshop()
    assert random_bits(ws.join_link.split("/j/")[1]) >= 128
    assert random_bits(ws.facilitator_link.split("/f/")[1]) >= 128
    co = facilitator.post(f"/w/{ws.slug}/links", {"label": "co"})
    token = re.findall(r"/f/([A-Za-z0-9_-]+)", co.text)[0]
    assert random_bits(token) >= 128
    assert random_bits(facilitator.member_cookie(ws.slug)) >= 128
