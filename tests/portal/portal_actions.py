"""What a browser does with the portal's forms, for tests: find the CSRF token on a
page, sign in and out through the real forms."""
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
