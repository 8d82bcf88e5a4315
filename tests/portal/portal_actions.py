"""What a browser does with the portal's forms, for tests: find the CSRF token on a
page, sign in and out through the real forms, post a form, read what a page shows."""
import html as markup
import re

from fake_gateway import PASSWORD, REP_EMAIL

CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def form_csrf_token(html):
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


class AuthActions:
    """Sign in and out as a browser does: GET the form, POST it with its CSRF token."""

    def __init__(self, client):
        self.client = client

    def sign_in(self, email=REP_EMAIL, password=PASSWORD, next=None, **request_options):
        page = self.client.get("/sign-in", **request_options)
        data = {"csrf_token": form_csrf_token(page.get_data(as_text=True)),
                "email": email, "password": password}
        if next is not None:
            data["next"] = next
        return self.client.post("/sign-in", data=data, **request_options)

    def sign_out(self):
        page = self.client.get("/no-such-page")
        return self.client.post("/sign-out", data={
            "csrf_token": form_csrf_token(page.get_data(as_text=True))})


def post_form(client, path, **data):
    """POST ``data`` to ``path`` with the session's CSRF token, as a page's form does."""
    token = form_csrf_token(client.get("/no-such-page").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def element(html, element_id):
    """The inner HTML of the element with ``element_id`` (no nesting of the same tag)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', html,
                      flags=re.S)
    assert match, f"no element #{element_id}"
    return match.group(2)


def text(fragment):
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def field_errors(html, field_id):
    """The messages shown next to the field with ``field_id`` ([] when none)."""
    match = re.search(rf'<ul class="field-errors" id="{re.escape(field_id)}-errors">(.*?)</ul>',
                      html, flags=re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def href(html, element_id):
    """The (unescaped) href of the link with ``element_id``, or None."""
    match = re.search(rf'<a [^>]*?href="([^"]+)"[^>]*\bid="{re.escape(element_id)}"', html) \
        or re.search(rf'<a [^>]*?\bid="{re.escape(element_id)}"[^>]*href="([^"]+)"', html)
    return markup.unescape(match.group(1)) if match else None
