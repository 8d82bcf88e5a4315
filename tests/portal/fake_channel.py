"""The fake gateway's deal registrations and lead offers, in memory, as the real
gateway answers a partner (gateway/gateway/api/registrations.py, offers.py):

- scoped like the gateway scopes a partner: a partner rep sees the registrations they
  made (``partner_user_id``), a partner admin the organisation's; offers go to the
  organisation, so every user of it sees them; anything else is 404, exactly like a
  missing record;
- validated with the contract schemas (sfa_common.contracts.registrations) cut down
  for partners as the gateway's partner input schemas cut them (the partner fields are
  stamped, never sent: naming one is "not a field a partner may send"), so the same
  fields are named in the same ``application/problem+json`` errors;
- following the registration states (draft/returned editable; submit needs the amount
  and the close date; anything else a 409 naming the current state) and the offer
  states (only an offered lead is answered; declining needs a reason);
- answering the partner views: a conflict says its kind, score and reasons, never the
  record or the other partner (``PartnerConflictSchema``); the conflict check leaves
  the asking partner's own registrations out.

Conflicts are found against the customers in ``SalesRecords`` (and their open
opportunities) and other organisations' submitted or approved registrations: the
same credit code, the same normalised name, or a similar one (difflib ratio of the
normalised names >= ``FUZZY_THRESHOLD``; the service's own rule is tested with it).
"""
from datetime import timedelta
from decimal import Decimal
from difflib import SequenceMatcher

from bson import ObjectId
from fake_http import answer, problem
from fake_sales import PartnerInput, Refused, conflict, invalid, loaded, not_found
from flask import request
from marshmallow import fields, validate

from sfa_common.company_names import normalise_company_name
from sfa_common.contracts.registrations import (
    ACTIVE_REGISTRATION_STATES,
    ConflictCheckSchema,
    LeadOfferSchema,
    OfferAnswerSchema,
    OfferOpportunitySchema,
    OfferQuerySchema,
    PartnerConflictReportSchema,
    PartnerRegistrationSchema,
    RegistrationCreateSchema,
    RegistrationQuerySchema,
    RegistrationUpdateSchema,
)
from sfa_common.money import Money
from sfa_common.schemas import BaseSchema

FUZZY_THRESHOLD = 0.85
EDITABLE = ("draft", "returned")
OFFER_HOURS = 72


class PartnerRegistrationCreateSchema(PartnerInput, RegistrationCreateSchema):
    class Meta(RegistrationCreateSchema.Meta):
        exclude = ("partner_org_id", "partner_user_id", "partner_tier")


class PartnerConflictCheckSchema(PartnerInput, ConflictCheckSchema):
    class Meta(ConflictCheckSchema.Meta):
        exclude = ("partner_org_id",)


class PartnerLeadOfferSchema(LeadOfferSchema):
    class Meta(LeadOfferSchema.Meta):
        exclude = ("offered_by",)


class AcceptOfferSchema(BaseSchema):
    """As gateway/api/offers.py's: the opportunity to create, optionally."""
    opportunity = fields.Nested(OfferOpportunitySchema, load_default=None, allow_none=True)


class DeclineOfferSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ChannelRecords:
    """Tests seed with ``add_registration`` (by a partner user, named by email) and
    ``add_offer`` (to an organisation, by id) and read ``registrations`` and ``offers``
    (stored records, by id). Accepting an offer creates the customer and opportunity
    in ``sales`` (fake_sales.SalesRecords), attributed to the accepting partner."""

    def __init__(self, users, sales):
        self.users = users
        self.sales = sales
        self.registrations = {}
        self.offers = {}

    def now(self):
        return self.sales.now()

    # --- seeding

    def add_registration(self, partner, company, status="draft", **fields):
        """By the partner user with email ``partner``."""
        user = self.users[partner]
        now = self.now()
        record = {"_id": ObjectId(), "created_at": now, "updated_at": now,
                  "company": company, "normalised_company": normalise_company_name(company),
                  "unified_social_credit_code": None, "contact_name": None, "phone": None,
                  "email": None, "region": None, "industry": None,
                  "products_of_interest": [], "estimated_amount": None,
                  "expected_close_date": None, "notes": None,
                  "partner_org_id": user.partner_org["id"], "partner_user_id": user.id,
                  "partner_tier": user.partner_org.get("tier", "registered"),
                  "status": status, "conflicts": [], "review": None, "submitted_at": None,
                  "protection_ends_at": None, "extensions": [], "account_id": None,
                  "opportunity_id": None, "revision": 1,
                  "history": [{"status": status, "at": now, "actor_id": user.id,
                               "note": None}], **fields}
        if isinstance(record["estimated_amount"], str):
            record["estimated_amount"] = Money(Decimal(record["estimated_amount"]), "CNY")
        self.registrations[str(record["_id"])] = record
        return str(record["_id"])

    def add_offer(self, partner_org_id, company, status="offered", **fields):
        now = self.now()
        record = {"_id": ObjectId(), "created_at": now, "updated_at": now,
                  "lead_id": str(ObjectId()), "partner_org_id": partner_org_id,
                  "offered_by": "u-staff", "how": "manual", "status": status,
                  "expires_at": now + timedelta(hours=OFFER_HOURS), "company": company,
                  "region": None, "industry": None, "products_of_interest": [],
                  "answered_by": None, "answered_at": None, "decline_reason": None,
                  "opportunity_id": None, "account_id": None, **fields}
        self.offers[str(record["_id"])] = record
        return str(record["_id"])

    # --- the routes

    def register(self, app, answering):
        """``answering(view)``: fake_sales' wrapper (bearer user, partners only,
        ``Refused`` answered as its problem)."""
        routes = [
            ("/api/v1/deal-registrations", self._registrations, ["GET", "POST"]),
            ("/api/v1/deal-registrations/conflict-check", self._conflict_check, ["POST"]),
            ("/api/v1/deal-registrations/<registration_id>", self._registration,
             ["GET", "PATCH"]),
            ("/api/v1/deal-registrations/<registration_id>/submit", self._submit, ["POST"]),
            ("/api/v1/lead-offers", self._list_offers, ["GET"]),
            ("/api/v1/lead-offers/<offer_id>/accept", self._accept, ["POST"]),
            ("/api/v1/lead-offers/<offer_id>/decline", self._decline, ["POST"]),
        ]
        for rule, view, methods in routes:
            app.add_url_rule(rule, endpoint=view.__name__, view_func=answering(view),
                             methods=methods)

    # --- registrations

    @staticmethod
    def _sees(user, record):
        if record["partner_org_id"] != user.partner_org["id"]:
            return False
        return "partner_admin" in user.roles or record["partner_user_id"] == user.id

    def _visible(self, user, registration_id):
        record = self.registrations.get(registration_id)
        if record is None or not self._sees(user, record):
            raise not_found()
        return record

    def _registrations(self, user):
        if request.method == "POST":
            return self._create(user)
        schema = RegistrationQuerySchema()  # the gateway's: its filters meet the scope
        query = loaded(schema, request.args.to_dict())
        needle = normalise_company_name(query["q"]) if query.get("q") else None
        records = [r for r in self.registrations.values() if self._sees(user, r)
                   and all(r[name] == query[name] for name in
                           ("status", "partner_org_id", "partner_user_id") if query.get(name))
                   and (needle is None or needle in r["normalised_company"])]
        rows, next_cursor = self.sales._page(records, schema, query)
        return answer({"items": PartnerRegistrationSchema(many=True).dump(rows),
                       "next_cursor": next_cursor})

    def _create(self, user):
        facts = loaded(PartnerRegistrationCreateSchema(), _body())
        registration_id = self.add_registration(user.email, **facts)
        return answer(PartnerRegistrationSchema().dump(self.registrations[registration_id]),
                      201)

    def _registration(self, user, registration_id):
        record = self._visible(user, registration_id)
        if request.method == "PATCH":
            changes = loaded(RegistrationUpdateSchema(), _body())
            _editable(record)
            if "company" in changes:
                changes["normalised_company"] = normalise_company_name(changes["company"])
            record.update(changes, updated_at=self.now(), revision=record["revision"] + 1)
        return answer(PartnerRegistrationSchema().dump(record))

    def _submit(self, user, registration_id):
        record = self._visible(user, registration_id)
        _editable(record)
        for name, message in (("estimated_amount", "Estimate the deal's amount to submit."),
                              ("expected_close_date", "Give the expected close date to "
                                                      "submit.")):
            if record.get(name) is None:
                raise invalid({name: [message]})
        now = self.now()
        record.update(status="submitted", submitted_at=now, updated_at=now,
                      revision=record["revision"] + 1,
                      conflicts=self.conflicts(record["company"],
                                               record["unified_social_credit_code"],
                                               record["partner_org_id"], registration_id),
                      history=[*record["history"], {"status": "submitted", "at": now,
                                                    "actor_id": user.id, "note": None}])
        return answer(PartnerRegistrationSchema().dump(record))

    def _conflict_check(self, user):
        draft = loaded(PartnerConflictCheckSchema(), _body())
        if draft.get("registration_id"):  # one the partner can see, else 404
            self._visible(user, draft["registration_id"])
        found = self.conflicts(draft["company"], draft.get("unified_social_credit_code"),
                               user.partner_org["id"], draft.get("registration_id"))
        return answer(PartnerConflictReportSchema().dump(
            {"has_conflict": bool(found), "conflicts": found}))

    def conflicts(self, company, credit_code, partner_org_id, registration_id=None):
        """The internal conflicts (with record ids, names and partners): what the
        service stores; partners get them through ``PartnerConflictSchema``."""
        name = normalise_company_name(company)
        found = []
        for account_id, account in self.sales.accounts.items():
            reasons, score = _match(name, credit_code, account["normalised_name"],
                                    account.get("unified_social_credit_code"))
            if not reasons:
                continue
            found.append({"kind": "customer", "record_id": account_id,
                          "name": account["name"], "partner_org_id": None, "score": score,
                          "reasons": reasons})
            found.extend({"kind": "opportunity", "record_id": opportunity_id,
                          "name": deal["name"], "partner_org_id": deal["partner_org_id"],
                          "score": score, "reasons": reasons}
                         for opportunity_id, deal in self.sales.opportunities.items()
                         if deal["account_id"] == account_id and deal["status"] == "open")
        for other_id, other in self.registrations.items():
            if other_id == registration_id or other["partner_org_id"] == partner_org_id \
                    or other["status"] not in ACTIVE_REGISTRATION_STATES:
                continue
            reasons, score = _match(name, credit_code, other["normalised_company"],
                                    other.get("unified_social_credit_code"))
            if reasons:
                found.append({"kind": "registration", "record_id": other_id,
                              "name": other["company"],
                              "partner_org_id": other["partner_org_id"], "score": score,
                              "reasons": reasons})
        return found

    # --- offers

    def _offer(self, user, offer_id):
        record = self.offers.get(offer_id)
        if record is None or record["partner_org_id"] != user.partner_org["id"]:
            raise not_found()
        return record

    def _list_offers(self, user):
        schema = OfferQuerySchema()  # the gateway's: its filters meet the scope
        query = loaded(schema, request.args.to_dict())
        records = [r for r in self.offers.values()
                   if r["partner_org_id"] == user.partner_org["id"]
                   and all(r[name] == query[name] for name in
                           ("status", "partner_org_id", "lead_id") if query.get(name))]
        rows, next_cursor = self.sales._page(records, schema, query)
        return answer({"items": PartnerLeadOfferSchema(many=True).dump(rows),
                       "next_cursor": next_cursor})

    def _answered(self, user, offer_id, schema, answer_name):
        """The gateway loads the body with its route's schema, then the service checks
        the whole answer (a blank reason) against the offer as it is."""
        given = loaded(schema, _body())
        record = self._offer(user, offer_id)
        loaded(OfferAnswerSchema(), {"answer": answer_name, **given})
        if record["status"] != "offered":
            raise conflict(f"The offer is {record['status']}; only an offered lead is "
                           f"answered.")
        now = self.now()
        record.update(answered_by=user.id, answered_at=now, updated_at=now)
        return record, given

    def _accept(self, user, offer_id):
        record, given = self._answered(user, offer_id, AcceptOfferSchema(), "accept")
        wanted = given.get("opportunity") or {}
        account_id = self.sales.add_account(record["company"], user.email,
                                            region=record["region"],
                                            industry=record["industry"])
        amount = wanted.get("amount")
        opportunity_id = self.sales.add_opportunity(
            account_id, wanted.get("name") or record["company"], user.email,
            amount=str(amount.amount) if amount else "0.00")
        record.update(status="accepted", account_id=account_id,
                      opportunity_id=opportunity_id)
        return answer(PartnerLeadOfferSchema().dump(record))

    def _decline(self, user, offer_id):
        record, given = self._answered(user, offer_id, DeclineOfferSchema(), "decline")
        record.update(status="declined", decline_reason=given["reason"].strip())
        return answer(PartnerLeadOfferSchema().dump(record))


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise invalid({"json": ["Send a JSON object."]})
    return body


def _editable(record):
    if record["status"] not in EDITABLE:
        raise conflict(f"The registration is {record['status']}; only a draft or a "
                       f"returned registration can be changed or submitted.")


def _match(name, credit_code, other_name, other_code):
    """(reasons, score) of one candidate against the asked name and code."""
    reasons = []
    if credit_code and credit_code == other_code:
        reasons.append("credit_code")
    ratio = SequenceMatcher(None, name, other_name).ratio() if name and other_name else 0.0
    if name and name == other_name:
        reasons.append("same_name")
    elif ratio >= FUZZY_THRESHOLD:
        reasons.append("similar_name")
    score = 1.0 if ("credit_code" in reasons or "same_name" in reasons) else round(ratio, 3)
    return reasons, score


__all__ = ["ChannelRecords", "Refused", "problem"]
