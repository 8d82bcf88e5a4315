"""The opportunities nameko service: thin entrypoints over the repository and the rules.

Every call about owned records takes the data scope the gateway compiled; a record
outside it answers NotFound exactly like a missing one, and a call without a scope is
refused (``sfa_common.scope.scoped``). Competitors are a shared catalogue: no scope.
"""
import functools
import logging

from nameko.events import EventDispatcher
from nameko.rpc import rpc

from sfa_common import service as common
from sfa_common.clock import utcnow
from sfa_common.company_names import normalise_company_name
from sfa_common.contracts.opportunities import (
    AccountCreateSchema,
    AccountPageSchema,
    AccountQuerySchema,
    AccountSchema,
    AccountUpdateSchema,
    CompetitorCreateSchema,
    CompetitorLinkSchema,
    CompetitorPageSchema,
    CompetitorQuerySchema,
    CompetitorReportSchema,
    CompetitorSchema,
    ContactCreateSchema,
    ContactPageSchema,
    ContactQuerySchema,
    ContactSchema,
    ContactUpdateSchema,
    CustomerTierReportSchema,
    CycleTimeReportSchema,
    ForecastReportSchema,
    OpportunityCreateSchema,
    OpportunityPageSchema,
    OpportunityQuerySchema,
    OpportunitySchema,
    OpportunityUpdateSchema,
    PartnerReportSchema,
    PipelineReportSchema,
    PipelineSchema,
    QuotaCreateSchema,
    QuotaPageSchema,
    QuotaQuerySchema,
    QuotaSchema,
    QuotaUpdateSchema,
    ReopenSchema,
    ReportQuerySchema,
    StageMoveSchema,
    WinFromQuoteSchema,
    WinRateReportSchema,
)
from sfa_common.errors import EXPECTED, Conflict, NotFound, ValidationFailed
from sfa_common.events import overdue_cutoff
from sfa_common.mongo import Mongo
from sfa_common.ops import Ops
from sfa_common.periods import is_period_key
from sfa_common.service import load, record_id, relay_timer

from . import competitors, reports, stages
from .dependencies import (
    ACCOUNT_SCOPE_FIELDS,
    OpportunityRepository,
    Settings,
    object_id,
)
from .outbox import pending_event
from .quotas import attainment

log = logging.getLogger(__name__)

MATCH_LIMIT = 50


def name_prefix(normalised):
    """The first characters candidates for the conflict check share: two of a Chinese
    name, three of a Latin one."""
    size = 2 if normalised[:1] and not normalised[:1].isascii() else 3
    return normalised[:size]


def _found(record, what, wanted_id):
    if record is None:
        raise NotFound(f"No {what} {wanted_id!r}.")
    return record


def _query(schema, query):
    """A loaded list or report query (a missing one asks for the defaults)."""
    return load(schema, {} if query is None else query)


@functools.cache
def _schema(schema_cls):
    """One instance per schema class, built once: building one costs more than dumping
    a record with it (marshmallow copies every declared field), and it keeps no state
    between calls."""
    return schema_cls()


def _page(schema_cls, items, next_cursor):
    return _schema(schema_cls).dump({"items": items, "next_cursor": next_cursor})


# common.HealthMixin, not an imported HealthMixin: `nameko run opportunities.service` tries to
# run every top-level class with an entrypoint, and the mixin's `health` is one.
class OpportunitiesService(common.HealthMixin):
    name = "opportunities"

    store = Mongo(OpportunityRepository)
    settings = Settings()
    dispatch = EventDispatcher()
    ops = Ops()

    @rpc(expected_exceptions=EXPECTED)
    def get_pipeline(self):
        return PipelineSchema().dump(self.settings.pipeline.describe())

    # -- customers ------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_account(self, payload):
        """A new customer; a create whose ``source_key`` was used before returns the
        customer that create made, as it is (a retried conversion creates nothing)."""
        account = load(AccountCreateSchema(), payload)
        earlier = self.store.by_source_key("accounts", account["source_key"])
        if earlier is not None:
            return AccountSchema().dump(earlier)
        account["normalised_name"] = normalise_company_name(account["name"])
        return AccountSchema().dump(self.store.add_account(account))

    @rpc(expected_exceptions=EXPECTED)
    def find_account_by_name(self, name):
        """The customer whose normalised name is ``name``'s (the oldest, if several),
        or None: the duplicate check of lead conversion. Service to service only; the
        gateway does not expose it."""
        if not isinstance(name, str):
            raise ValidationFailed("Name a company.", {"name": ["Must be a string."]})
        account = self.store.account_by_name(normalise_company_name(name))
        return None if account is None else AccountSchema().dump(account)

    @rpc(expected_exceptions=EXPECTED)
    def match_accounts(self, name, credit_code=None, limit=MATCH_LIMIT):
        """Candidate customers for the deal-registration conflict check, each with its
        open opportunities: the same normalised name, names sharing its first characters
        (the leads service scores their similarity) and the same credit code."""
        if not isinstance(name, str):
            raise ValidationFailed("Name a company.", {"name": ["Must be a string."]})
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 200:
            raise ValidationFailed("Bad limit.", {"limit": ["Must be between 1 and 200."]})
        normalised = normalise_company_name(name)
        accounts = self.store.matching_accounts(normalised, name_prefix(normalised),
                                                credit_code or None, limit)
        opened = self.store.open_opportunities_of([str(account["_id"]) for account in accounts])
        return [{"account_id": str(account["_id"]), "name": account["name"],
                 "normalised_name": account["normalised_name"],
                 "unified_social_credit_code": account.get("unified_social_credit_code"),
                 "partner_org_ids": account.get("partner_org_ids", []),
                 "open_opportunities": [
                     {"id": str(deal["_id"]), "name": deal["name"], "stage": deal["stage"],
                      "partner_org_id": deal.get("partner_org_id")}
                     for deal in opened.get(str(account["_id"]), [])]}
                for account in accounts]

    @rpc(expected_exceptions=EXPECTED)
    def get_account(self, account_id, scope):
        account = self.store.find_account(record_id(account_id, "account"), scope)
        return AccountSchema().dump(_found(account, "account", account_id))

    @rpc(expected_exceptions=EXPECTED)
    def update_account(self, account_id, changes, scope):
        """Change a customer; its contacts follow a change of owner, department, team or
        partners, so the same scopes keep selecting them."""
        changes = load(AccountUpdateSchema(), changes)
        if "name" in changes:
            changes["normalised_name"] = normalise_company_name(changes["name"])
        account = self.store.update_account(record_id(account_id, "account"), changes, scope)
        return AccountSchema().dump(_found(account, "account", account_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_accounts(self, query, scope):
        schema = _schema(AccountQuerySchema)
        wanted = _query(schema, query)
        return _page(AccountPageSchema,
                     *self.store.list_accounts(wanted, schema.parsed_sort(wanted), scope))

    # -- contacts -------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_contact(self, payload, account_scope):
        """A contact of a customer inside ``account_scope``; it copies the customer's
        owner, department, team and partner fields."""
        contact = load(ContactCreateSchema(), payload)
        earlier = self.store.by_source_key("contacts", contact["source_key"])
        if earlier is not None:
            return ContactSchema().dump(earlier)
        account = self.store.find_account(object_id(contact["account_id"]), account_scope)
        if account is None:
            raise ValidationFailed("No such customer.", {"account_id": ["No such customer."]})
        contact.update({name: account.get(name) for name in ACCOUNT_SCOPE_FIELDS},
                       account_id=str(account["_id"]))
        return ContactSchema().dump(self.store.add_contact(contact))

    @rpc(expected_exceptions=EXPECTED)
    def get_contact(self, contact_id, scope):
        contact = self.store.find_contact(record_id(contact_id, "contact"), scope)
        return ContactSchema().dump(_found(contact, "contact", contact_id))

    @rpc(expected_exceptions=EXPECTED)
    def update_contact(self, contact_id, changes, scope):
        changes = load(ContactUpdateSchema(), changes)
        contact = self.store.update_contact(record_id(contact_id, "contact"), changes, scope)
        return ContactSchema().dump(_found(contact, "contact", contact_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_contacts(self, query, scope):
        schema = ContactQuerySchema()
        wanted = _query(schema, query)
        return _page(ContactPageSchema,
                     *self.store.list_contacts(wanted, schema.parsed_sort(wanted), scope))

    # -- competitors (a shared catalogue) ----------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_competitor(self, payload):
        competitor = load(CompetitorCreateSchema(), payload)
        competitor["normalised_name"] = normalise_company_name(competitor["name"])
        return CompetitorSchema().dump(self.store.add_competitor(competitor))

    @rpc(expected_exceptions=EXPECTED)
    def get_competitor(self, competitor_id):
        competitor = self.store.find_competitor(record_id(competitor_id, "competitor"))
        return CompetitorSchema().dump(_found(competitor, "competitor", competitor_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_competitors(self, query):
        schema = CompetitorQuerySchema()
        wanted = _query(schema, query)
        return _page(CompetitorPageSchema,
                     *self.store.list_competitors(wanted, schema.parsed_sort(wanted)))

    # -- opportunities --------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_opportunity(self, payload, account_scope, actor_id):
        """An opportunity of a customer inside ``account_scope``, at the first open stage
        unless one is named, with its first stage-history entry by ``actor_id``. A create
        whose ``source_key`` was used before returns that opportunity as it is."""
        opportunity = load(OpportunityCreateSchema(), payload)
        if opportunity["source_key"] is not None:
            earlier = self.store.find_opportunity_by_source_key(opportunity["source_key"])
            if earlier is not None:
                # A retry: finish what the first call may have died before (its last write).
                self.store.serve_account(object_id(earlier["account_id"]),
                                         earlier.get("partner_org_id"))
                return OpportunitySchema().dump(earlier)
        account = self.store.find_account(object_id(opportunity["account_id"]), account_scope)
        if account is None:
            raise ValidationFailed("No such customer.", {"account_id": ["No such customer."]})
        opportunity["account_id"] = str(account["_id"])
        opportunity["account_name"] = account["name"]
        self._check_contacts(opportunity["account_id"], opportunity["contact_ids"])
        stage, probability = stages.opening(self.settings.pipeline, opportunity["stage"],
                                            opportunity["probability"])
        now = utcnow()
        opportunity.update(
            stage=stage, status=stages.OPEN, probability=probability,
            stage_history=[stages.history_entry(stage, probability, actor_id, now)],
            competitors=[], closed_at=None, won_at=None, cycle_seconds=None, lost_reason=None,
            lost_note=None, lost_to_competitor_id=None, reopened_count=0, revision=0, outbox=[])
        created = self.store.add_opportunity(opportunity, now)
        self.store.serve_account(account["_id"], created["partner_org_id"])
        return _schema(OpportunitySchema).dump(created)

    def _check_contacts(self, account_id, contact_ids):
        foreign = self.store.foreign_contacts(account_id, contact_ids)
        if foreign:
            raise ValidationFailed("Not every contact belongs to this customer.", {
                "contact_ids": [f"{contact_id} is not a contact of this customer."
                                for contact_id in foreign]})

    def _opportunity(self, opportunity_id, scope):
        opportunity = self.store.find_opportunity(record_id(opportunity_id, "opportunity"), scope)
        return _found(opportunity, "opportunity", opportunity_id)

    @rpc(expected_exceptions=EXPECTED)
    def get_opportunity(self, opportunity_id, scope):
        return _schema(OpportunitySchema).dump(self._opportunity(opportunity_id, scope))

    @rpc(expected_exceptions=EXPECTED)
    def update_opportunity(self, opportunity_id, changes, scope, actor_id):
        """Change an opportunity's facts; a won or lost deal keeps the facts commission
        was told about (amount, probability, splits, ...) until it is reopened."""
        changes = load(OpportunityUpdateSchema(), changes)
        opportunity = self._opportunity(opportunity_id, scope)
        if "contact_ids" in changes:
            self._check_contacts(opportunity["account_id"], changes["contact_ids"])
        changes = stages.revise(self.settings.pipeline, opportunity, changes)
        written = self._write(opportunity, scope, {**changes, "updated_by": actor_id})
        if changes.get("partner_org_id"):
            self.store.serve_account(object_id(opportunity["account_id"]),
                                     changes["partner_org_id"])
        return written

    @rpc(expected_exceptions=EXPECTED)
    def move_stage(self, opportunity_id, move, scope, actor_id):
        wanted = load(StageMoveSchema(), move)
        opportunity = self._opportunity(opportunity_id, scope)
        now = utcnow()
        return self._transit(opportunity, scope, now, stages.move(
            self.settings.pipeline, opportunity, wanted, actor_id, now))

    @rpc(expected_exceptions=EXPECTED)
    def reopen_opportunity(self, opportunity_id, reopen, scope, actor_id):
        wanted = load(ReopenSchema(), reopen)
        opportunity = self._opportunity(opportunity_id, scope)
        now = utcnow()
        return self._transit(opportunity, scope, now, stages.reopen(
            self.settings.pipeline, opportunity, wanted, actor_id, now))

    @rpc(expected_exceptions=EXPECTED)
    def win_from_quote(self, opportunity_id, quote_id, amount, products, actor_id):
        """Win the deal with an accepted quote: amount = the quote's total, products =
        its lines, then the usual won event. Service to service (the quotes service,
        after its own scope check), so no scope. Idempotent: a deal already won by this
        quote answers unchanged; won by something else or lost is a Conflict."""
        wanted = load(WinFromQuoteSchema(), {"quote_id": quote_id, "amount": amount,
                                             "products": products, "actor_id": actor_id})
        opportunity = self._opportunity(opportunity_id, {})
        if stages.won_by_quote(opportunity, wanted["quote_id"]):
            return OpportunitySchema().dump(opportunity)
        now = utcnow()
        transition = stages.win_from_quote(self.settings.pipeline, opportunity, wanted,
                                           wanted["actor_id"], now)
        try:
            return self._transit(opportunity, {}, now, transition)
        except Conflict:
            current = self._opportunity(opportunity_id, {})
            if stages.won_by_quote(current, wanted["quote_id"]):   # a concurrent retry won
                return OpportunitySchema().dump(current)
            raise

    @rpc(expected_exceptions=EXPECTED)
    def link_competitor(self, opportunity_id, competitor_id, link, scope, actor_id):
        """Link a competitor of the catalogue to the opportunity, or change the status and
        note of its link."""
        wanted = load(CompetitorLinkSchema(), link)
        opportunity = self._opportunity(opportunity_id, scope)
        competitor = self.store.find_competitor(object_id(competitor_id))
        if competitor is None:
            raise ValidationFailed("No such competitor.",
                                   {"competitor_id": ["No such competitor."]})
        links = competitors.link(opportunity, competitor, wanted, actor_id, utcnow())
        return self._write(opportunity, scope, {"competitors": links, "updated_by": actor_id})

    @rpc(expected_exceptions=EXPECTED)
    def unlink_competitor(self, opportunity_id, competitor_id, scope, actor_id):
        opportunity = self._opportunity(opportunity_id, scope)
        links = competitors.unlink(opportunity, competitor_id)
        return self._write(opportunity, scope, {"competitors": links, "updated_by": actor_id})

    @rpc(expected_exceptions=EXPECTED)
    def list_opportunities(self, query, scope):
        schema = _schema(OpportunityQuerySchema)
        wanted = _query(schema, query)
        return _page(OpportunityPageSchema,
                     *self.store.list_opportunities(wanted, schema.parsed_sort(wanted), scope))

    def _transit(self, opportunity, scope, now, transition):
        """Write a stage transition with its history entry and, for a won, lost or
        reopened deal, its event in the same update; then publish the event."""
        event = None
        if transition.event_type is not None:
            event = pending_event(transition.event_type,
                                  {**opportunity, **transition.changes}, opportunity, now)
        return self._write(opportunity, scope, transition.changes, transition.entry, event)

    def _write(self, opportunity, scope, changes, entry=None, event=None):
        """One conditional update: it applies only to the revision that was read, so of
        two concurrent writes the second is a Conflict naming the stage the deal has now."""
        written = self.store.change_opportunity(opportunity, scope, changes, entry, event)
        if written is None:
            current = self._opportunity(str(opportunity["_id"]), scope)
            message = (f"The opportunity changed meanwhile and is now at stage "
                       f"{current['stage']}; reload it and try again.")
            raise Conflict(message, {"stage": [message]})
        if event is not None:
            self._publish(written["_id"], event)
        return OpportunitySchema().dump(written)

    def _publish(self, opportunity_id, event):
        """Dispatch an event the write queued, then take it off the outbox. The write
        has happened, so a failed dispatch does not fail the call: the event stays
        queued and the relay sends it."""
        try:
            self.dispatch(event["event_type"], event["payload"])
        except Exception:
            log.warning("event %s (%s) left in the outbox for the relay", event["event_id"],
                        event["event_type"], exc_info=True)
            return
        self.store.clear_event(opportunity_id, event["event_id"])

    @relay_timer
    def relay_outbox(self):
        """Send again every event queued longer than the relay interval (its write's own
        dispatch failed or never ran); ids unchanged, so listeners deduplicate."""
        sent = 0
        for opportunity_id, event in self.store.overdue_events(
                overdue_cutoff(utcnow(), self.settings.relay_seconds)):
            self.dispatch(event["event_type"], event["payload"])
            self.store.clear_event(opportunity_id, event["event_id"])
            sent += 1
        return sent

    # -- quotas ---------------------------------------------------------------------------

    def _attained(self, quotas):
        """The quotas with their attainment, from one query for all of them."""
        deals = self.store.won_deals_for(quotas)
        return [{**quota, "attainment": attainment(quota, deals)} for quota in quotas]

    def _quota(self, quota):
        return QuotaSchema().dump(self._attained([quota])[0])

    @rpc(expected_exceptions=EXPECTED)
    def create_quota(self, payload):
        return self._quota(self.store.add_quota(load(QuotaCreateSchema(), payload)))

    @rpc(expected_exceptions=EXPECTED)
    def get_quota(self, quota_id, scope):
        quota = self.store.find_quota(record_id(quota_id, "quota"), scope)
        return self._quota(_found(quota, "quota", quota_id))

    @rpc(expected_exceptions=EXPECTED)
    def update_quota(self, quota_id, changes, scope):
        changes = load(QuotaUpdateSchema(), changes)
        quota = self.store.update_quota(record_id(quota_id, "quota"), changes, scope)
        return self._quota(_found(quota, "quota", quota_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_quotas(self, query, scope):
        schema = QuotaQuerySchema()
        wanted = _query(schema, query)
        quotas, next_cursor = self.store.list_quotas(wanted, schema.parsed_sort(wanted), scope)
        return _page(QuotaPageSchema, self._attained(quotas), next_cursor)

    @rpc(expected_exceptions=EXPECTED)
    def quota_targets(self, period):
        """Every quota target set for ``period``: ``[{owner_id, partner_org_id, target}]``
        (one of the two ids set). Service to service (commission reads the targets its
        tiers measure attainment against), so no scope; the gateway does not expose it."""
        if not is_period_key(period):
            raise ValidationFailed("Name a period.", {
                "period": ["Must be a month as YYYY-MM, e.g. 2026-11."]})
        return [{"owner_id": quota.get("owner_id"),
                 "partner_org_id": quota.get("partner_org_id"),
                 "target": {"amount": str(quota["target"].amount),
                            "currency": quota["target"].currency}}
                for quota in self.store.quotas_of_period(period)]

    # -- reports (scope: the caller's opportunity read scope) ------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def pipeline_report(self, query, scope):
        wanted = _query(ReportQuerySchema(), query)
        return PipelineReportSchema().dump(reports.pipeline_report(
            self.settings.pipeline, self.store.pipeline_groups(wanted, scope),
            wanted["currency"]))

    @rpc(expected_exceptions=EXPECTED)
    def forecast_report(self, query, scope):
        wanted = _query(ReportQuerySchema(), query)
        return ForecastReportSchema().dump(reports.forecast_report(
            *self.store.forecast_groups(wanted, scope)))

    @rpc(expected_exceptions=EXPECTED)
    def win_rate_report(self, query, scope):
        wanted = _query(ReportQuerySchema(), query)
        return WinRateReportSchema().dump(reports.win_rate_report(
            self.store.win_rate_groups(wanted, scope)))

    @rpc(expected_exceptions=EXPECTED)
    def cycle_time_report(self, query, scope):
        wanted = _query(ReportQuerySchema(), query)
        return CycleTimeReportSchema().dump(reports.cycle_time_report(
            self.store.cycle_time_groups(wanted, scope)))

    @rpc(expected_exceptions=EXPECTED)
    def competitor_report(self, query, scope):
        wanted = _query(ReportQuerySchema(), query)
        return CompetitorReportSchema().dump(reports.competitor_report(
            self.store.competitor_groups(wanted, scope)))

    @rpc(expected_exceptions=EXPECTED)
    def partner_report(self, query, scope):
        wanted = _query(ReportQuerySchema(), query)
        return PartnerReportSchema().dump(reports.partner_report(
            self.store.partner_groups(wanted, scope)))

    @rpc(expected_exceptions=EXPECTED)
    def customer_tiers(self, query, scope):
        """RFM tiers of the customers won in ``RFM_CURRENCY`` inside ``RFM_WINDOW_DAYS``."""
        wanted = _query(ReportQuerySchema(), query)
        rules = self.settings.rfm
        if wanted["currency"] not in (None, rules.currency):
            raise ValidationFailed("Customer tiers are measured in one currency.", {
                "currency": [f"Customer tiers are measured in {rules.currency}."]})
        now = utcnow()
        groups = self.store.customer_groups(wanted, scope, rules.currency,
                                            rules.window_start(now))
        return CustomerTierReportSchema().dump(reports.rfm_tiers(rules, groups, now))
