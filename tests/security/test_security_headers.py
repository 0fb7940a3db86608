"""Issue 14, item 8: every page carries a strict Content-Security-Policy (django-csp).

The attack: an injected `<script>` (or an `onclick=`, or a stylesheet from elsewhere) on a
desk, admin or API page runs, because only the subject's pages sent a policy. Here every
area is fetched as the user who sees it — the desk as an officer, the admin and settings as
a manager, the API with a token and with a session, the sign-in, the public form, the status
page, the 404 — and the policy each response carries is parsed and held to the strict rules:
nothing from another host, scripts from the site's files only (no inline script at all), no
inline style without the response's nonce, no framing, forms and <base> pinned; the page's
markup is searched for anything that policy would block. Then Chromium walks every area and
counts `securitypolicyviolation` events and console errors: zero, with the pages working.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from accounts.models import Role
from dsr import audit, workflow
from dsr.api.tokens import api_token_create
from dsr.models import Request, Right, Status
from tests.builders import blank_pdf, identity_document, png
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

# Source expressions a strict policy may use: keywords, and this page's nonce or hashes.
KEYWORDS = {"'self'", "'none'"}
NONCE_OR_HASH = re.compile(r"^'(nonce-[A-Za-z0-9+/=_-]+|sha(256|384|512)-[A-Za-z0-9+/=]+)'$")
# `data:` images only where a third-party stylesheet draws its icons that way (Swagger UI).
DATA_ALLOWED = {"img-src"}
# The directives that must be there, with the value they must have.
PINNED = {
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
# What the subject's pages sent before django-csp: they keep at least this strictness.
SUBJECT_PAGES_BEFORE = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "object-src": ["'none'"],
}


def parse_policy(header: str) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for part in header.split(";"):
        tokens = part.split()
        if tokens:
            name = tokens[0].lower()
            assert name not in policy, f"directive {name} given twice in {header!r}"
            policy[name] = tokens[1:]
    return policy


class InlineCode(HTMLParser):
    """Finds what the policy would block on the page: inline <script>/<style> without the
    nonce, event-handler attributes, style attributes and javascript: links."""

    DATA_TYPES = {"application/json", "application/ld+json", "text/template"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        executable = (names.get("type") or "").lower() not in self.DATA_TYPES
        if tag == "script" and executable and "src" not in names and "nonce" not in names:
            self.found.append("an inline <script> without the nonce")
        if tag == "style" and "nonce" not in names:
            self.found.append("an inline <style> without the nonce")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            elif name == "style":
                self.found.append(f'<{tag} style="{value}">')
            elif name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")


def inline_code(response) -> list[str]:
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    parser = InlineCode()
    parser.feed(response.content.decode(errors="replace"))
    return parser.found


def strictness_problems(url: str, response) -> list[str]:
    """What is wrong with the response's policy; empty when it is strict."""
    header = response.headers.get("Content-Security-Policy")
    if not header:
        return [f"{url}: no Content-Security-Policy header"]
    policy = parse_policy(header)
    problems = []
    if policy.get("default-src") not in (["'none'"], ["'self'"]):
        problems.append(f"{url}: default-src is {policy.get('default-src')}")
    for name, wanted in PINNED.items():
        if policy.get(name) != wanted:
            problems.append(f"{url}: {name} is {policy.get(name)}, not {wanted}")
    for name, sources in policy.items():
        for source in sources:
            if source in KEYWORDS or NONCE_OR_HASH.match(source):
                continue
            if source == "data:" and name in DATA_ALLOWED:
                continue
            # A host, a scheme (https:, blob:), '*', 'unsafe-inline', 'unsafe-eval', ...
            problems.append(f"{url}: {name} allows {source}")
    # Scripts from this site's files only: no inline script at all, not even with a nonce.
    script = policy.get("script-src", policy.get("default-src"))
    if script != ["'self'"]:
        problems.append(f"{url}: script-src is {script}, not 'self' alone")
    if policy.get("script-src-attr", ["'none'"]) != ["'none'"]:
        problems.append(f"{url}: inline event handlers allowed: {policy['script-src-attr']}")
    problems += [f"{url}: {found}" for found in inline_code(response)]
    nonces = {s for sources in policy.values() for s in sources if s.startswith("'nonce-")}
    for nonce in nonces:
        # A nonce in the header is only there because the page uses it on its own tags.
        value = nonce[len("'nonce-") : -1]
        if f'nonce="{value}"' not in response.content.decode(errors="replace"):
            problems.append(f"{url}: the header's nonce is used by no tag on the page")
    return problems


# --- the cast and the things they look at ---------------------------------------------------


@pytest.fixture
def officer_client(desk_client, officer) -> Client:
    return desk_client(officer)


@pytest.fixture
def manager_client(desk_client, manager) -> Client:
    manager.is_staff = True  # a manager who may use the admin site
    manager.save()
    return desk_client(manager)


@pytest.fixture
def token_client(organization, manager) -> Client:
    _, secret = api_token_create(
        organization=organization, name="Customer app", scope="write", created_by=manager
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def open_request(make_request, officer):
    request_obj = make_request(right=Right.ACCESS, subject_name="Ann Example")
    return workflow.identity_decide(
        request=request_obj,
        verified=True,
        evidence="email_matches_record",
        actor=audit.Actor.for_user(officer),
    )


def desk_urls(request_obj) -> list[str]:
    return [
        "/desk/",
        "/desk/?status=all&q=Ann",
        "/desk/log/",
        f"/desk/requests/{request_obj.reference}/",
        "/desk/reports/",
        "/desk/print/",
        f"/desk/letters/request/{request_obj.pk}/",
        f"/desk/letters/request/{request_obj.pk}/new/?kind=acknowledgement",
        f"/desk/fulfilment/requests/{request_obj.pk}/",
        "/accounts/recovery-codes/",
    ]


def manager_urls(request_obj) -> list[str]:
    return [
        "/desk/settings/",
        "/desk/settings/members/",
        "/desk/settings/audit/",
        "/desk/settings/integrations/",
        f"/desk/letters/organization/{request_obj.organization_id}/settings/",
        "/desk/fulfilment/sources/",
        "/admin/",
        "/admin/dsr/request/",
        f"/admin/dsr/request/{request_obj.pk}/change/",
        "/admin/dsr/recipient/add/",
        "/admin/accounts/organization/",
        # The API in the browser: the browsable API, Swagger UI and the schema.
        "/api/v1/requests/",
        f"/api/v1/requests/{request_obj.reference}/",
        "/api/docs/",
    ]


def assert_strict(client: Client, urls: list[str], **headers: str) -> None:
    problems = []
    for url in urls:
        response = client.get(url, **headers)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        problems += strictness_problems(url, response)
    assert problems == [], "\n".join(problems)


# --- the tests ------------------------------------------------------------------------------


def test_every_desk_page_carries_a_strict_policy(officer_client, open_request):
    assert_strict(officer_client, desk_urls(open_request))


def test_every_settings_admin_and_api_page_in_the_browser_carries_a_strict_policy(
    manager_client, open_request
):
    assert_strict(manager_client, manager_urls(open_request), HTTP_ACCEPT="text/html")
    assert_strict(manager_client, ["/api/schema/", "/api/docs/?script"])


def test_every_route_of_the_browsable_api_carries_a_strict_policy(manager_client, open_request):
    """Each route in the browser, POST-only ones too (DRF shows their form on GET's 405)."""
    from dsr.api.urls import router
    from tests.dsr.inbox.inbox_helpers import inbound_item

    inbox_item = inbound_item(open_request.organization)
    problems = []
    for route in router.urls:
        pattern = str(route.pattern).strip("^$")
        if "letter_id" in pattern:
            continue  # a PDF, not a page
        url = "/api/v1/" + re.sub(r"\(\?P<reference>[^)]*\)", open_request.reference, pattern)
        url = re.sub(r"\(\?P<approval_id>[^)]*\)", "1", url)  # four eyes (issue 18)
        url = re.sub(r"\(\?P<pk>[^)]*\)", str(inbox_item.pk), url)  # /api/v1/inbox/<id>/
        response = manager_client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code in (200, 405), f"{url}: {response.status_code}"
        assert response["Content-Type"].startswith("text/html"), url
        problems += strictness_problems(url, response)
    assert problems == [], "\n".join(problems)


def test_the_api_with_a_token_carries_a_strict_policy(token_client, open_request):
    assert_strict(
        token_client,
        [
            "/api/v1/requests/",
            f"/api/v1/requests/{open_request.reference}/",
            f"/api/v1/requests/{open_request.reference}/events/",
            "/api/schema/",
        ],
    )


def test_the_sign_in_pages_carry_a_strict_policy(client, officer):
    from tests.conftest import enrol_totp

    enrol_totp(officer)
    assert_strict(client, ["/", "/accounts/login/", "/accounts/password-reset/"])
    response = client.post("/accounts/login/", {"email": officer.email, "password": PASSWORD})
    assert response.status_code == 302, "the password step passes on to the code step"
    assert_strict(client, [response.url])  # the one-time code step


def test_the_enrolment_page_with_its_qr_code_carries_a_strict_policy(client, organization):
    newcomer = make_user("newcomer@openmotics.example", organization, Role.OFFICER)
    response = client.post("/accounts/login/", {"email": newcomer.email, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(response.url)
    if page.status_code == 302:  # the code step sends a user without an app to enrol
        page = client.get(page.url)
    assert page.status_code == 200 and b"<svg" in page.content
    assert strictness_problems("enrolment", page) == []


def test_the_subject_pages_keep_their_policy_now_from_django_csp(client, open_request):
    urls = [
        "/openmotics/request/",
        "/openmotics/request/?lang=nl",
        f"/r/{open_request.public_token}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert strictness_problems(url, response) == []
        policy = parse_policy(response.headers["Content-Security-Policy"])
        for name, wanted in SUBJECT_PAGES_BEFORE.items():
            assert policy.get(name) == wanted, (url, name, policy.get(name))
        # The subject's pages fetch nothing from scripts: no connect-src at all.
        assert "connect-src" not in policy, url
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response.headers["Cache-Control"]
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
        assert "Set-Cookie" not in response.headers


def test_error_pages_carry_a_strict_policy(client):
    for url in ("/no-such-page/at-all/", "/r/not-a-token/", "/nobody/request/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert strictness_problems(url, response) == []
    # Django's own 403 for a form posted without its CSRF token.
    refused = Client(enforce_csrf_checks=True).post("/accounts/login/", {"email": "x@y.z"})
    assert refused.status_code == 403
    assert strictness_problems("CSRF failure", refused) == []


# Templates that never reach a browser under the policy: e-mails (mail clients), the register
# PDF (WeasyPrint) and the data package's index (opened from the subject's own disk).
TEMPLATE_COMMENT = re.compile(r"{% comment %}.*?{% endcomment %}|{#.*?#}", re.S)
NOT_SERVED_AS_PAGES = ("emails/", "desk/reports/register_pdf.html", "fulfilment/package_index.html")


def test_no_template_holds_code_the_policy_would_block():
    """Pages the walks above do not reach (a manual task, a print batch) are held too."""
    from django.conf import settings

    root = settings.BASE_DIR / "templates"
    problems = []
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        if name.startswith(NOT_SERVED_AS_PAGES):
            continue
        source = TEMPLATE_COMMENT.sub("", path.read_text())
        parser = InlineCode()
        parser.feed(source)
        problems += [f"{name}: {found}" for found in parser.found]
    assert problems == [], "\n".join(problems)


def test_a_nonce_is_new_on_every_response(manager_client):
    """The browsable API's inline style carries the nonce; a nonce used twice is no nonce."""
    seen = set()
    for _ in range(3):
        response = manager_client.get("/api/v1/requests/", HTTP_ACCEPT="text/html")
        policy = parse_policy(response.headers["Content-Security-Policy"])
        nonces = {s for s in policy["style-src"] if s.startswith("'nonce-")}
        assert len(nonces) == 1
        seen |= nonces
    assert len(seen) == 3


# --- the walk in Chromium: the pages still work under the policy ---------------------------

# Reports every Content-Security-Policy violation of every page (and frame that runs scripts)
# to the test, through a function Playwright exposes; the console catches the rest.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    [location.pathname, event.effectiveDirective, event.blockedURI, event.sample].join(" | ")
  );
});
"""


EXPECTED_404 = "/no-such-page/"


@pytest.fixture
def watched_page(browser_context):
    """A page whose policy violations, console errors and script errors are collected."""
    problems: list[str] = []
    browser_context.expose_function("reportViolation", lambda text: problems.append(text))
    browser_context.add_init_script(REPORT_VIOLATIONS)
    page = browser_context.new_page()

    def console(message) -> None:
        if message.location.get("url", "").endswith(EXPECTED_404):
            return  # "Failed to load resource: 404" of the 404 page the walk asks for
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"console {message.type}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.problems = problems
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_area_works_in_chromium_without_a_single_violation(
    watched_page, desk_login, manager, officer, make_request, settings, live_server
):
    settings.INTAKE_POW_BITS = 10  # the form's script still does the work, quickly
    settings.SITE_URL = live_server.url
    manager.is_staff = True
    manager.save()
    page = watched_page
    open_request = make_request(right=Right.ACCESS, subject_name="Ann Example")
    make_request(right=Right.ERASURE, subject_name="Eva Example")
    # Identity documents the request page shows inline: a PDF in a frame, an image.
    for name, content in (
        ("passport.pdf", blank_pdf(width=595, height=842)),
        ("id-card.png", png(size=(120, 80), colour=(200, 210, 230))),
    ):
        identity_document(open_request, content, name)

    # The desk: the sign-in with its one-time code step, then the queue.
    desk_login(page, manager)
    page.get_by_label("Right", exact=True).select_option("access")
    page.get_by_role("button", name="Apply").click()
    table = page.locator("table.requests")
    assert "Ann Example" in table.inner_text() and "Eva Example" not in table.inner_text()
    # The bulk assignment: checkboxes outside the form (form="bulk-assign"), a plain POST.
    page.get_by_label(f"Select {open_request.reference}").check()
    page.get_by_label("Assign the ticked requests to").select_option(label=officer.full_name)
    page.get_by_role("button", name="Assign", exact=True).click()
    page.locator(".messages").wait_for()
    open_request.refresh_from_db()
    assert open_request.assignee_id == officer.pk

    # The request page with the documents inline, and an action on it.
    with page.expect_response(lambda response: "/files/" in response.url) as framed:
        page.goto(f"/desk/requests/{open_request.reference}/")
    assert framed.value.status == 200
    page.locator("iframe.document-view").wait_for()
    image = page.locator("img.document-view")
    image.wait_for()
    page.wait_for_function("document.querySelector('img.document-view').complete")
    assert image.evaluate("element => element.naturalWidth") > 0
    identity = page.locator("details.action-identity")
    identity.get_by_label("Identity verified").check()
    identity.get_by_label("Evidence").select_option("customer_details")
    identity.get_by_role("button", name="Check identity").click()
    assert "Identity decision recorded." in page.locator(".messages").inner_text()
    # The desk's stylesheet applies (a blocked stylesheet would leave the default font).
    assert page.evaluate("getComputedStyle(document.querySelector('.messages')).display")

    # Reports: the charts are SVG drawn on the server, coloured by reports.css.
    page.goto("/desk/reports/")
    chart = page.locator("svg.chart").first
    chart.wait_for()
    assert chart.bounding_box()["height"] > 0
    bar_fill = page.evaluate(
        "getComputedStyle(document.querySelector('svg.chart .primary, svg.chart rect')).fill"
    )
    assert bar_fill not in ("", "rgb(0, 0, 0)"), bar_fill

    # The print queue, settings, integrations, fulfilment, the letter preview.
    for url in [
        "/desk/print/",
        "/desk/settings/",
        "/desk/settings/members/",
        "/desk/settings/integrations/",
        "/desk/fulfilment/sources/",
        f"/desk/fulfilment/requests/{open_request.pk}/",
        f"/desk/letters/request/{open_request.pk}/",
        "/accounts/recovery-codes/",
    ]:
        response = page.goto(url)
        assert response.status == 200, url
    page.goto(f"/desk/letters/request/{open_request.pk}/new/?kind=acknowledgement")
    preview = page.locator("iframe.letter-preview")
    assert preview.bounding_box()["height"] > 500  # sized by a class, not a style attribute
    page.frame_locator("iframe.letter-preview").locator("body").get_by_text(
        open_request.reference
    ).first.wait_for()

    # The admin, as a manager who may use it.
    for url in (
        "/admin/",
        "/admin/dsr/request/",
        f"/admin/dsr/request/{open_request.pk}/change/",
        "/admin/dsr/recipient/add/",
    ):
        assert page.goto(url).status == 200, url
    page.get_by_role("heading", name="Add recipient").wait_for()

    # The browsable API: highlighted (the nonce'd style) and its buttons placed by a class.
    page.goto("/api/v1/requests/")
    filters = page.get_by_role("button", name="Filters")
    assert filters.evaluate("element => getComputedStyle(element).cssFloat") == "right"
    # Swagger UI: served by the app, its script not inline, it renders the operations.
    page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 5
    assert "/api/v1/requests/" in page.locator("#swagger-ui").inner_text()

    # A 404 page.
    assert page.goto(EXPECTED_404).status == 404

    # The subject's side, signed out: the form with its proof of work, then a status page.
    page.context.clear_cookies()
    page.goto("/openmotics/request/?lang=en")
    page.get_by_label("Access (Art. 15)").check()
    page.get_by_label("Your name").fill("Lotte de Vries")
    page.get_by_label("Your e-mail address").fill("lotte@example.com")
    page.get_by_role("button", name="Send my request").click()
    page.get_by_role("heading", name="Check your mailbox").wait_for()
    submitted = Request.objects.get(subject_email="lotte@example.com")
    assert submitted.status == Status.UNVERIFIED
    page.goto(f"/r/{open_request.public_token}/")
    page.get_by_text(open_request.reference).first.wait_for()

    assert page.problems == [], "\n".join(page.problems)

    # The watch itself works: markup the policy blocks is reported.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<b style=\"color: red\">x</b>')")
    page.wait_for_function("document.querySelector('b[style]') !== null")
    page.wait_for_timeout(200)
    assert any("style-src-attr" in problem for problem in page.problems), page.problems
