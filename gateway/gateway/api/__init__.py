"""The HTTP API: flask-smorest blueprints whose marshmallow schemas both validate
requests and generate the OpenAPI document."""
from functools import cache, wraps
from inspect import cleandoc

from flask import g, jsonify
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser

from ..problems import flatten_webargs, problem
from ..views import project, shown_fields


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every error answer carries them."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "messages by field name"})


class Parser(FlaskParser):
    # Malformed JSON, unknown fields and wrong types are the client's bad request.
    DEFAULT_VALIDATION_STATUS = 400
    # The schema decides about unknown fields (ours RAISE), in the query string too:
    # a misspelt filter must not silently widen a list.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": None, "querystring": None}

    def use_args(self, argmap, *args, partner_schema=None, **kwargs):
        """``blp.arguments(schema, partner_schema=...)``: a signed-in partner's input is
        loaded with ``partner_schema`` (see ``gateway.views``), everyone else's with
        ``schema``, which is what the OpenAPI document shows."""
        if partner_schema is not None:
            internal = argmap

            def argmap(request):
                chosen = partner_schema if g.subject.is_partner else internal
                return _instance(chosen) if isinstance(chosen, type) else chosen
        return super().use_args(argmap, *args, **kwargs)


@cache
def _instance(schema_cls):
    """One instance per input schema class, as webargs keeps for a schema it is given:
    loading keeps no state on it, and building one per request cost more than loading."""
    return schema_cls()


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = Parser()

    def replies(self, status, schema, partner_view=None):
        """Document ``schema`` as the success reply and send the view's return value
        as JSON with ``status``. Services reply in wire form already (their contract
        schemas dumped it), so the gateway passes the body through untouched; with
        ``partner_view``, a partner gets it cut down to that schema's fields (and the
        operation's description says so)."""
        document = self.alt_response(status, schema=schema, success=True)

        def decorator(view):
            @wraps(view)
            def reply(*args, **kwargs):
                body = view(*args, **kwargs)
                if partner_view is not None and g.subject.is_partner:
                    body = project(partner_view, body)
                response = jsonify(body)
                response.status_code = status
                return response
            if partner_view is not None:
                reply.__doc__ = f"{cleandoc(view.__doc__)}\n\n{_partner_note(partner_view)}"
            return document(reply)
        return decorator


def _partner_note(partner_view):
    return ("Partner users get a subset of the fields shown here: "
            f"{', '.join(shown_fields(partner_view))}.")


class Api(SmorestApi):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        data = getattr(error, "data", None) or {}
        errors = flatten_webargs(data["messages"]) if "messages" in data else None
        detail = data.get("message") or (
            "The request has invalid fields." if errors else error.description)
        return problem(error.code, detail, errors, data.get("headers"))
