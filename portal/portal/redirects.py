"""Where a redirect may go back to. Every ``next`` (the language switcher's, sign-in's)
passes through ``local_path``: one check, so an open redirect cannot creep in through a
second, weaker copy."""
from urllib.parse import urlsplit

from flask import request


def local_path(target):
    """``target`` if it is a path on this site, else None. Browsers read "//host" and
    "/\\host" as another host, and drop tabs and newlines inside a URL, so those fail."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\\\t\r\n") or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def here():
    """The current page as a local path with its query string."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")
