"""The fake gateway's customers, contacts, opportunities and reports, in memory, as
the real gateway answers a partner:

- scoped like the gateway's scope compiler scopes a partner: a partner rep sees the
  records of their organisation that they brought (``partner_user_id``), a partner
  admin every record of the organisation; anything else is 404, exactly like a
  missing record (internal users are not modelled: the portal signs in partners only);
- validated with the contract schemas, cut down for partners the way the gateway's
  partner input schemas (gateway/views.py) cut them (unknown query parameters and body
  fields refused, ``owner_id`` "not a field a partner may send"), so the same fields
  are named in the same ``application/problem+json`` errors;
- paged with the same keyset cursors (``sfa_common.paging``): opaque, valid only for
  the sort they were issued under;
- answering the partner views (``PartnerOpportunitySchema``, ``PartnerAccountSchema``,
  contacts as they are);
- moving stages by the pipeline's rules (unknown stage, closed deal, same stage, lost
  without a reason, a competitor that is not linked).
"""
import itertools
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bson import ObjectId
from fake_http import answer, problem
from flask import request
from marshmallow import ValidationError

from sfa_common.company_names import normalise_company_name
from sfa_common.contracts.opportunities import (
    AccountQuerySchema,
    ContactQuerySchema,
    ContactSchema,
    OpportunityQuerySchema,
    PartnerAccountSchema,
    PartnerOpportunitySchema,
    PartnerOpportunityUpdateSchema,
    ReportQuerySchema,
    StageMoveSchema,
)
from sfa_common.errors import flatten_messages
from sfa_common.money import Money
from sfa_common.paging import decode_cursor, encode_cursor

DEFAULT_STAGES = (("qualify", 10), ("needs_analysis", 25), ("proposal", 50),
                  ("negotiation", 75))
WON, LOST, OPEN = "won", "lost", "open"
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
INVALID = "The request has invalid fields."


class PartnerInput:
    """As the gateway's: a field a partner may not send is named as such."""

    error_messages = {"unknown": "Not a field a partner may send."}


class PartnerOpportunityQuerySchema(PartnerInput, OpportunityQuerySchema):
    class Meta(OpportunityQuerySchema.Meta):
        exclude = ("owner_id",)


class PartnerAccountQuerySchema(PartnerInput, AccountQuerySchema):
    class Meta(AccountQuerySchema.Meta):
        exclude = ("owner_id",)


class PartnerReportQuerySchema(PartnerInput, ReportQuerySchema):
    class Meta(ReportQuerySchema.Meta):
        exclude = ("owner_id",)


class PartnerOpportunityChangeSchema(PartnerInput, PartnerOpportunityUpdateSchema):
    """``next_step`` and ``notes`` only."""


class AccountContactQuerySchema(ContactQuerySchema):
    """The customer is the one in the path."""

    class Meta(ContactQuerySchema.Meta):
        exclude = ("account_id",)


def pipeline(stages=DEFAULT_STAGES):
    """The gateway's Pipeline: the open stages, then won (100) and lost (0)."""
    return [*({"key": key, "kind": OPEN, "probability": probability}
              for key, probability in stages),
            {"key": WON, "kind": WON, "probability": 100},
            {"key": LOST, "kind": LOST, "probability": 0}]


class Refused(Exception):
    """Answer this problem instead."""

    def __init__(self, response):
        super().__init__(response.status)
        self.response = response


def invalid(errors):
    return Refused(problem(400, "Bad request", INVALID, errors))


def not_found():
    return Refused(problem(404, "Not found", "No such record."))


def conflict(detail):
    return Refused(problem(409, "Conflict", detail))


def loaded(schema, data):
    try:
        return schema.load(data)
    except ValidationError as error:
        raise invalid(flatten_messages(error.messages)) from None


class SalesRecords:
    """Tests seed with ``add_account``, ``add_contact``, ``add_competitor`` and
    ``add_opportunity`` (each brought by a partner user, named by email) and read the
    stored records in ``accounts``, ``contacts`` and ``opportunities`` (by id).
    ``meanwhile(record)``, when set, runs once inside the next stage move, before its
    rules: a concurrent writer that got there first."""

    def __init__(self, users):
        self.users = users              # email -> fake_gateway.User
        self.stages = pipeline()
        self.accounts = {}
        self.contacts = {}
        self.competitors = {}
        self.opportunities = {}
        self.meanwhile = None
        self._ticks = itertools.count()

    def now(self):
        """A clock that moves one minute per reading: records get distinct times."""
        return START + timedelta(minutes=next(self._ticks))

    # --- seeding

    def _partner(self, email):
        user = self.users[email]
        return {"partner_org_id": user.partner_org["id"], "partner_user_id": user.id}

    def add_account(self, name, partner, **fields):
        partner = self._partner(partner)
        now = self.now()
        record = {"_id": ObjectId(), "created_at": now, "updated_at": now, "name": name,
                  "normalised_name": normalise_company_name(name), "industry": None,
                  "region": None, "segment": None, "unified_social_credit_code": None,
                  "owner_id": "u-staff", "department_id": None, "team_member_ids": [],
                  "partner_org_ids": [partner["partner_org_id"]],
                  "partner_user_id": partner["partner_user_id"], **fields}
        self.accounts[str(record["_id"])] = record
        return str(record["_id"])

    def add_contact(self, account_id, name, **fields):
        account = self.accounts[account_id]
        now = self.now()
        record = {"_id": ObjectId(), "created_at": now, "updated_at": now,
                  "account_id": account_id, "name": name, "title": None, "phone": None,
                  "email": None, "notes": None, **fields}
        for copied in ("owner_id", "department_id", "team_member_ids", "partner_org_ids",
                       "partner_user_id"):
            record[copied] = account[copied]
        self.contacts[str(record["_id"])] = record
        return str(record["_id"])

    def add_competitor(self, name):
        competitor_id = str(ObjectId())
        self.competitors[competitor_id] = name
        return competitor_id

    def add_opportunity(self, account_id, name, partner, amount="1000.00", currency="CNY",
                        stage=None, expected_close_date="2026-12-31", competitors=(),
                        **fields):
        """``stage``: an open stage (default the first), or won/lost (closed now)."""
        stages = {s["key"]: s for s in self.stages}
        stage = stage or self.stages[0]["key"]
        now = self.now()
        money = Money(Decimal(amount), currency)
        kind = stages[stage]["kind"]
        record = {
            "_id": ObjectId(), "created_at": now, "updated_at": now, "name": name,
            "account_id": account_id, "account_name": self.accounts[account_id]["name"],
            "contact_ids": [], "amount": money,
            "amount_minor": int(money.amount.scaleb(money.minor_digits)),
            "probability": stages[stage]["probability"], "stage": stage, "status": kind,
            "expected_close_date": datetime.fromisoformat(expected_close_date)
            .replace(tzinfo=UTC),
            "valid_until": None, "owner_id": "u-staff", "department_id": None,
            "team_member_ids": [], "splits": [], "deal_registration_id": None,
            "products": [], "next_step": None, "notes": None,
            "stage_history": [{"stage": stage, "probability": stages[stage]["probability"],
                               "entered_at": now, "actor_id": "u-staff", "note": None}],
            "competitors": [{"competitor_id": competitor_id,
                             "name": self.competitors[competitor_id], "status": "competing",
                             "note": None, "linked_at": now}
                            for competitor_id in competitors],
            "closed_at": now if kind != OPEN else None,
            "lost_reason": "price" if kind == LOST else None, "lost_note": None,
            "lost_to_competitor_id": None, **self._partner(partner), **fields}
        self.opportunities[str(record["_id"])] = record
        return str(record["_id"])

    # --- the routes

    def register(self, app, bearer_user):
        self._bearer_user = bearer_user
        routes = [
            ("/api/v1/pipeline", self._pipeline, ["GET"]),
            ("/api/v1/opportunities", self._list_opportunities, ["GET"]),
            ("/api/v1/opportunities/<opportunity_id>", self._opportunity, ["GET", "PATCH"]),
            ("/api/v1/opportunities/<opportunity_id>/stage", self._move_stage, ["POST"]),
            ("/api/v1/accounts", self._list_accounts, ["GET"]),
            ("/api/v1/accounts/<account_id>", self._account, ["GET"]),
            ("/api/v1/accounts/<account_id>/contacts", self._list_contacts, ["GET"]),
            ("/api/v1/reports/pipeline", self._pipeline_report, ["GET"]),
            ("/api/v1/reports/win-rate", self._win_rate_report, ["GET"]),
        ]
        for rule, view, methods in routes:
            app.add_url_rule(rule, endpoint=view.__name__, view_func=self._answering(view),
                             methods=methods)

    def _answering(self, view):
        def answered(**kwargs):
            user = self._bearer_user()
            if user is None:
                return problem(401, "Unauthorized", "A valid bearer token is required.")
            if user.kind != "partner":
                return problem(403, "Forbidden", "fake: only partners are modelled")
            try:
                return view(user, **kwargs)
            except Refused as refused:
                return refused.response
        return answered

    # --- scope

    @staticmethod
    def _sees(user, record):
        """The partner's read and update scope: own records (rep) or the organisation's
        (admin). Customers and contacts list their partners in ``partner_org_ids``."""
        org = user.partner_org["id"]
        orgs = record.get("partner_org_ids") or [record.get("partner_org_id")]
        if org not in orgs:
            return False
        return "partner_admin" in user.roles or record.get("partner_user_id") == user.id

    def _visible(self, user, records, record_id):
        record = records.get(record_id)
        if record is None or not self._sees(user, record):
            raise not_found()
        return record

    @staticmethod
    def _query(schema):
        return loaded(schema, request.args.to_dict())

    @staticmethod
    def _page(records, schema, query):
        """One keyset page, as ``sfa_common.paging.fetch_page`` pages a collection."""
        sort = schema.parsed_sort(query)
        rows = sorted(records, key=lambda r: (r[sort.field], r["_id"]),
                      reverse=sort.descending)
        if query.get("cursor"):
            after = decode_cursor(query["cursor"], sort)
            rows = [r for r in rows
                    if ((r[sort.field], r["_id"]) < after if sort.descending
                        else (r[sort.field], r["_id"]) > after)]
        if len(rows) <= query["limit"]:
            return rows, None
        rows = rows[:query["limit"]]
        return rows, encode_cursor(sort, rows[-1])

    # --- opportunities

    def _pipeline(self, user):
        return answer({"stages": self.stages})

    def _list_opportunities(self, user):
        schema = PartnerOpportunityQuerySchema()
        query = self._query(schema)
        records = [r for r in self.opportunities.values()
                   if self._sees(user, r) and _matches(r, query)]
        rows, next_cursor = self._page(records, schema, query)
        return answer({"items": PartnerOpportunitySchema(many=True).dump(rows),
                       "next_cursor": next_cursor})

    def _opportunity(self, user, opportunity_id):
        record = self._visible(user, self.opportunities, opportunity_id)
        if request.method == "PATCH":
            changes = loaded(PartnerOpportunityChangeSchema(), self._body())
            record.update(changes, updated_at=self.now())
        return answer(PartnerOpportunitySchema().dump(record))

    def _move_stage(self, user, opportunity_id):
        record = self._visible(user, self.opportunities, opportunity_id)
        move = loaded(StageMoveSchema(), self._body())
        if self.meanwhile:  # another writer gets there first
            self.meanwhile(record)
            self.meanwhile = None
        record.update(self._moved(record, move, user))
        return answer(PartnerOpportunitySchema().dump(record))

    @staticmethod
    def _body():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise invalid({"json": ["Send a JSON object."]})
        return body

    def _moved(self, record, move, user):
        """The changes a stage move makes, by the pipeline's rules."""
        stages = {s["key"]: s for s in self.stages}
        target, current = move["stage"], record["stage"]
        if target not in stages:
            raise invalid({"stage": [f"Unknown stage {target!r}; the stages are "
                                     f"{', '.join(stages)}."]})
        if record["status"] != OPEN:
            raise conflict(f"The opportunity is {current}; reopen it first.")
        if target == current:
            raise conflict(f"The opportunity is already in {current}.")
        kind = stages[target]["kind"]
        reason = move.get("lost_reason")
        if kind == LOST and not reason:
            raise invalid({"lost_reason": ["Say why the opportunity was lost."]})
        if reason and kind != LOST:
            raise invalid({"lost_reason": ["Only a lost opportunity has a lost reason."]})
        linked = {c["competitor_id"]: c for c in record["competitors"]}
        if reason == "competitor" and move.get("lost_to_competitor_id") not in linked:
            raise invalid({"lost_to_competitor_id": [
                "Name the competitor, one linked to this opportunity."]})
        probability = move.get("probability")
        if probability is None or kind != OPEN:
            if probability not in (None, stages[target]["probability"]):
                raise invalid({"probability": [
                    f"A {target} opportunity's probability is {stages[target]['probability']}."]})
            probability = stages[target]["probability"]
        now = self.now()
        changes = {"stage": target, "status": kind, "probability": probability,
                   "updated_at": now, "stage_history": [*record["stage_history"], {
                       "stage": target, "probability": probability, "entered_at": now,
                       "actor_id": user.id, "note": move.get("note")}]}
        if kind != OPEN:
            changes["closed_at"] = now
        if kind == LOST:
            changes.update(lost_reason=reason, lost_note=move.get("lost_note"),
                           lost_to_competitor_id=move.get("lost_to_competitor_id"))
            if reason == "competitor":
                linked[move["lost_to_competitor_id"]]["status"] = "selected"
        return changes

    # --- customers and contacts

    def _list_accounts(self, user):
        schema = PartnerAccountQuerySchema()
        query = self._query(schema)
        needle = normalise_company_name(query["q"]) if query.get("q") else None
        records = [r for r in self.accounts.values() if self._sees(user, r)
                   and (needle is None or needle in r["normalised_name"])
                   and all(r.get(name) == query[name] for name in
                           ("industry", "region", "segment") if query.get(name))
                   and (not query.get("partner_org_id")
                        or query["partner_org_id"] in r["partner_org_ids"])]
        rows, next_cursor = self._page(records, schema, query)
        return answer({"items": PartnerAccountSchema(many=True).dump(rows),
                       "next_cursor": next_cursor})

    def _account(self, user, account_id):
        record = self._visible(user, self.accounts, account_id)
        return answer(PartnerAccountSchema().dump(record))

    def _list_contacts(self, user, account_id):
        """One list call with the customer's id, scoped like contacts are: a customer
        the partner cannot see has no contacts they can see."""
        schema = AccountContactQuerySchema()
        query = self._query(schema)
        records = [r for r in self.contacts.values()
                   if r["account_id"] == account_id and self._sees(user, r)]
        rows, next_cursor = self._page(records, schema, query)
        return answer({"items": ContactSchema(many=True).dump(rows),
                       "next_cursor": next_cursor})

    # --- reports

    def _reported(self, user, query, day_field):
        def within(record):
            day = record.get(day_field)
            return ((not query.get("date_from") or (day and day >= query["date_from"]))
                    and (not query.get("date_to")
                         or (day and day < query["date_to"] + timedelta(days=1))))
        return [r for r in self.opportunities.values() if self._sees(user, r)
                and (not query.get("currency") or r["amount"].currency == query["currency"])
                and (not query.get("partner_org_id")
                     or r["partner_org_id"] == query["partner_org_id"])
                and within(r)]

    def _pipeline_report(self, user):
        query = self._query(PartnerReportQuerySchema())
        deals = [r for r in self._reported(user, query, "expected_close_date")
                 if r["status"] == OPEN]
        order = [s["key"] for s in self.stages]
        groups = {}
        for deal in deals:
            groups.setdefault((deal["stage"], deal["amount"].currency), []).append(deal)
        rows = [_stage_row(stage, currency, groups[(stage, currency)])
                for stage, currency in sorted(groups, key=lambda g: (
                    order.index(g[0]) if g[0] in order else len(order), g[0], g[1]))]
        totals = [_stage_row("total", currency,
                             [d for d in deals if d["amount"].currency == currency])
                  for currency in sorted({d["amount"].currency for d in deals})]
        return answer({"rows": rows, "totals": totals})

    def _win_rate_report(self, user):
        query = self._query(PartnerReportQuerySchema())
        closed = self._reported(user, query, "closed_at")
        won = sum(1 for r in closed if r["status"] == WON)
        lost = sum(1 for r in closed if r["status"] == LOST)
        percent = None
        if won + lost:
            percent = str((Decimal(won) * 100 / (won + lost)).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP))
        return answer({"won_count": won, "lost_count": lost, "percent": percent})


def _matches(record, query):
    """OpportunityQuerySchema's filters on one stored opportunity."""
    for name in ("status", "stage", "account_id", "partner_org_id", "partner_user_id"):
        if query.get(name) and record.get(name) != query[name]:
            return False
    if query.get("close_from") and record["expected_close_date"] < query["close_from"]:
        return False
    if query.get("close_to") and record["expected_close_date"] > query["close_to"]:
        return False
    return not query.get("q") or query["q"].casefold() in record["name"].casefold()


def _stage_row(stage, currency, deals):
    """A pipeline report row: the amounts summed exactly, the weighted amount (amount x
    probability / 100 per deal) rounded to the currency's minor unit at the end."""
    amount = sum((d["amount"].amount for d in deals), Decimal(0))
    weighted = sum((d["amount"].amount * d["probability"] / 100 for d in deals), Decimal(0))
    return {"stage": stage, "currency": currency, "count": len(deals),
            "amount": str(Money(amount, currency).rounded().amount),
            "weighted": str(Money(weighted, currency).rounded().amount)}
