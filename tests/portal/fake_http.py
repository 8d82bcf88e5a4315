"""Answers the fake gateway sends, shaped as the real gateway's: JSON, and
``application/problem+json`` (RFC 9457) for every error."""
import json

from flask import Response

PROBLEM_JSON = "application/problem+json"


def problem(status, title, detail=None, errors=None, headers=None):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON,
                    headers=headers or {})


def answer(body, status=200):
    return Response(json.dumps(body), status=status, mimetype="application/json")
