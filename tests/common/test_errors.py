"""Typed remote errors survive the trip over AMQP as themselves, not as RemoteError."""
import json

import pytest
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from nameko.exceptions import RemoteError, deserialize, serialize

from sfa_common.errors import (
    EXPECTED,
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    ValidationFailed,
)


def over_the_wire(exc):
    """What a nameko RPC reply does to an exception: serialize, JSON, deserialize."""
    return deserialize(json.loads(json.dumps(serialize(exc))))


CASES = [
    NotFound("No lead '65a1b2c3d4e5f60718293a4b'."),
    NotFound("No 客户 华为技术."),
    Conflict("Lead already converted.", {"status": "converted", "customer_id": "c1"}),
    ValidationFailed("The request has invalid fields.",
                     {"email": ["Not a valid email address."], "items.0.qty": ["Too small."]}),
    Forbidden("This call needs a data scope and none was given."),
]


@pytest.mark.parametrize("error", CASES, ids=lambda e: type(e).__name__)
def test_each_typed_error_crosses_amqp_as_itself(error):
    received = over_the_wire(error)
    assert type(received) is type(error)
    assert not isinstance(received, RemoteError)
    assert received.message == error.message
    assert received.details == error.details
    assert str(received) == error.message


@pytest.mark.parametrize("error_type", EXPECTED)
def test_details_default_to_an_empty_mapping_on_both_sides(error_type):
    error = error_type("nope")
    assert error.details == {}
    assert over_the_wire(error).details == {}


def test_the_expected_errors_are_the_four_typed_ones():
    assert set(EXPECTED) == {NotFound, Conflict, ValidationFailed, Forbidden}
    assert all(issubclass(e, ServiceError) for e in EXPECTED)


def test_without_registration_the_caller_would_only_get_a_remote_error():
    """The control case: it is the registration that makes the types survive."""
    class Unregistered(ServiceError):
        pass

    received = over_the_wire(Unregistered("lost"))
    assert type(received) is RemoteError
    assert received.exc_type == "Unregistered"


class Line(Schema):
    product_id = fields.String(required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1))


class Address(Schema):
    city = fields.String(required=True)


class Customer(Schema):
    name = fields.String(required=True)
    address = fields.Nested(Address, required=True)
    lines = fields.List(fields.Nested(Line), required=True)
    tags = fields.List(fields.String())

    @validates_schema
    def name_is_not_reserved(self, data, **kwargs):
        if data.get("name") == "admin":
            raise ValidationError("Reserved name.")


def marshmallow_error(schema, payload):
    with pytest.raises(ValidationError) as raised:
        schema.load(payload)
    return raised.value


def test_from_marshmallow_flattens_nested_messages_to_dotted_names():
    error = marshmallow_error(Customer(), {
        "address": {},
        "lines": [{"product_id": "p1", "quantity": 2}, {"quantity": 0}],
        "tags": ["ok", 7],
    })
    failed = ValidationFailed.from_marshmallow(error)
    assert failed.details == {
        "name": ["Missing data for required field."],
        "address.city": ["Missing data for required field."],
        "lines.1.product_id": ["Missing data for required field."],
        "lines.1.quantity": ["Must be greater than or equal to 1."],
        "tags.1": ["Not a valid string."],
    }
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v)
               for v in failed.details.values())


def test_from_marshmallow_keeps_schema_level_messages_under_schema():
    error = marshmallow_error(Customer(), {"name": "admin", "address": {"city": "上海"},
                                           "lines": []})
    assert ValidationFailed.from_marshmallow(error).details == {"_schema": ["Reserved name."]}


def test_a_bare_validation_error_lands_under_schema():
    failed = ValidationFailed.from_marshmallow(ValidationError("Body must not be empty."))
    assert failed.details == {"_schema": ["Body must not be empty."]}


def test_flattened_validation_failure_survives_the_wire():
    error = marshmallow_error(Customer(), {"address": {"city": 1}, "lines": [{}]})
    failed = ValidationFailed.from_marshmallow(error)
    received = over_the_wire(failed)
    assert type(received) is ValidationFailed
    assert received.details == failed.details
    assert {"name", "address.city", "lines.0.product_id", "lines.0.quantity"} == set(
        received.details)
