"""What every service class shares: loading input, reading ids, the health RPC."""
import mongomock
import pytest
from bson import ObjectId
from marshmallow import fields, validate
from nameko.rpc import Rpc
from nameko.testing.services import worker_factory

from sfa_common.errors import NotFound, ValidationFailed
from sfa_common.mongo import Mongo, Repository, database
from sfa_common.schemas import BaseSchema
from sfa_common.service import HealthMixin, load, record_id

OID = "65a1b2c3d4e5f60718293a4b"


class FollowUpSchema(BaseSchema):
    channel = fields.String(required=True, validate=validate.OneOf(["phone", "visit"]))
    note = fields.String(load_default="")


# --- load ----------------------------------------------------------------------------


def test_load_returns_the_loaded_data():
    assert load(FollowUpSchema(), {"channel": "phone"}) == {"channel": "phone", "note": ""}


def test_load_turns_marshmallow_errors_into_validation_failed_per_field():
    with pytest.raises(ValidationFailed) as raised:
        load(FollowUpSchema(), {"channel": "fax", "mood": "good"})
    assert set(raised.value.details) == {"channel", "mood"}
    assert raised.value.details["mood"] == ["Unknown field."]


@pytest.mark.parametrize("payload", [None, [], ["channel", "phone"], "channel=phone", 3])
def test_load_refuses_a_body_that_is_not_an_object(payload):
    with pytest.raises(ValidationFailed) as raised:
        load(FollowUpSchema(), payload)
    assert raised.value.details == {"_schema": ["Must be an object."]}


def test_load_passes_keyword_arguments_to_the_schema():
    # partial=True is how an update accepts a subset of the fields.
    assert load(FollowUpSchema(), {"note": "call back"}, partial=True) == {"note": "call back"}
    with pytest.raises(ValidationFailed):
        load(FollowUpSchema(), {"note": "call back"})


# --- record_id -----------------------------------------------------------------------


def test_record_id_reads_a_24_hex_id():
    assert record_id(OID, "lead") == ObjectId(OID)
    assert record_id(OID.upper(), "lead") == ObjectId(OID)


def test_record_id_passes_an_object_id_through():
    assert record_id(ObjectId(OID), "lead") == ObjectId(OID)


@pytest.mark.parametrize("junk", ["", "not-an-id", OID[:-1], OID + "a", "z" * 24,
                                  "abcdefghijkl", None, 42, b"abcdefghijkl", ["x"],
                                  {"$ne": None}])
def test_record_id_of_junk_is_not_found(junk):
    # A malformed id names no record, like a missing one: 404, not 400 or 500.
    with pytest.raises(NotFound) as raised:
        record_id(junk, "lead")
    assert raised.value.message.startswith("No lead ")


# --- HealthMixin ---------------------------------------------------------------------


class DealsService(HealthMixin):
    name = "deals"
    store = Mongo(Repository)


class SilentStorage:
    def ping(self):
        return False


def test_health_reports_the_service_and_its_storage():
    store = Repository(database(mongomock.MongoClient(tz_aware=True), "channel_sfa_deals"))
    service = worker_factory(DealsService, store=store)
    assert service.health() == {"service": "deals", "status": "ok", "storage": True}


def test_health_reports_storage_that_does_not_answer():
    service = worker_factory(DealsService, store=SilentStorage())
    assert service.health()["storage"] is False


def test_health_names_the_service_it_is_mixed_into():
    class QuotesService(HealthMixin):
        name = "quotes"
        store = Mongo(Repository)

    service = worker_factory(QuotesService, store=SilentStorage())
    assert service.health()["service"] == "quotes"


def test_health_is_an_rpc_entrypoint():
    entrypoints = getattr(DealsService.health, "nameko_entrypoints", set())
    assert any(isinstance(entrypoint, Rpc) for entrypoint in entrypoints)
