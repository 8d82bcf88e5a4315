"""The HTTP API: flask-smorest blueprints whose marshmallow schemas both validate
requests and generate the OpenAPI document."""
from functools import wraps

from flask import jsonify
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser

from ..problems import flatten_webargs, problem


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


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = Parser()

    def replies(self, status, schema):
        """Document ``schema`` as the success reply and send the view's return value
        as JSON with ``status``. Services reply in wire form already (their contract
        schemas dumped it), so the gateway passes the body through untouched."""
        document = self.alt_response(status, schema=schema, success=True)

        def decorator(view):
            @wraps(view)
            def reply(*args, **kwargs):
                response = jsonify(view(*args, **kwargs))
                response.status_code = status
                return response
            return document(reply)
        return decorator


class Api(SmorestApi):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        data = getattr(error, "data", None) or {}
        errors = flatten_webargs(data["messages"]) if "messages" in data else None
        detail = data.get("message") or (
            "The request has invalid fields." if errors else error.description)
        return problem(error.code, detail, errors, data.get("headers"))
