"""Deal registrations and lead offers: the entrypoints mixed into ``LeadsService``.
Thin: validate, load, call the rule (``registration_states``, ``conflicts``,
``offers``), store, dispatch.

Uses the service's ``store`` (LeadRepository), ``settings.registrations``
(RegistrationSettings), ``opportunities`` (RpcProxy), ``_publish`` (dispatch an
outbox entry, then clear it), ``_lead`` and ``_convert`` (the leads' conversion path).
"""
import logging

from nameko.rpc import rpc
from nameko.timer import Timer

from sfa_common.clock import utcnow
from sfa_common.company_names import normalise_company_name
from sfa_common.contracts.registrations import (
    APPROVED,
    CONVERTED,
    DRAFT,
    MAX_EXTENSION_DAYS,
    ConflictCheckSchema,
    ConflictReportSchema,
    LeadOfferPageSchema,
    LeadOfferSchema,
    OfferAnswerSchema,
    OfferCandidateSchema,
    OfferQuerySchema,
    RegistrationCreateSchema,
    RegistrationPageSchema,
    RegistrationQuerySchema,
    RegistrationSchema,
    RegistrationUpdateSchema,
    ReviewSchema,
)
from sfa_common.errors import EXPECTED, Conflict, NotFound, ValidationFailed
from sfa_common.handlers import event_handler
from sfa_common.service import load, record_id

from . import conflicts, offers, registration_states
from .settings import offer_expiry_seconds, registration_expiry_seconds

log = logging.getLogger(__name__)
CANDIDATE_LIMIT = 50


class _ConfiguredTimer(Timer):
    """nameko's timer, its interval read from the config when the container starts."""
    interval_from = None

    def __init__(self, **kwargs):
        super().__init__(interval=None, **kwargs)

    def setup(self):
        self.interval = type(self).interval_from(self.container.config)


class RegistrationExpiryTimer(_ConfiguredTimer):
    interval_from = staticmethod(registration_expiry_seconds)


class OfferExpiryTimer(_ConfiguredTimer):
    interval_from = staticmethod(offer_expiry_seconds)


def _found(record, what, wanted_id):
    if record is None:
        raise NotFound(f"No {what} {wanted_id!r}.")
    return record


def _wire_money(money):
    return {"amount": str(money.amount), "currency": money.currency}


class RegistrationEntrypoints:

    # -- registrations ----------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_registration(self, payload):
        """A partner's draft registration (the gateway stamps the partner fields)."""
        registration = load(RegistrationCreateSchema(), payload)
        now = utcnow()
        registration.update(
            normalised_company=normalise_company_name(registration["company"]),
            status=DRAFT, conflicts=[], review=None, submitted_at=None,
            protection_ends_at=None, extensions=[], account_id=None, opportunity_id=None,
            history=[registration_states.history_entry(
                DRAFT, now, registration["partner_user_id"])],
            revision=0, outbox=[])
        return RegistrationSchema().dump(self.store.add_registration(registration, now))

    def _registration(self, registration_id, scope):
        registration = self.store.find_registration(
            record_id(registration_id, "registration"), scope)
        return _found(registration, "registration", registration_id)

    @rpc(expected_exceptions=EXPECTED)
    def get_registration(self, registration_id, scope):
        return RegistrationSchema().dump(self._registration(registration_id, scope))

    @rpc(expected_exceptions=EXPECTED)
    def list_registrations(self, query, scope):
        schema = RegistrationQuerySchema()
        wanted = load(schema, {} if query is None else query)
        items, next_cursor = self.store.list_registrations(wanted, schema.parsed_sort(wanted),
                                                           scope)
        return RegistrationPageSchema().dump({"items": items, "next_cursor": next_cursor})

    @rpc(expected_exceptions=EXPECTED)
    def update_registration(self, registration_id, changes, scope, actor_id):
        """Edit a draft or a returned registration."""
        changes = load(RegistrationUpdateSchema(), changes)
        registration = self._registration(registration_id, scope)
        registration_states.check(registration, "edit")
        if "company" in changes:
            changes["normalised_company"] = normalise_company_name(changes["company"])
        return self._save_registration(registration, scope, {**changes, "updated_by": actor_id})

    def _save_registration(self, registration, scope, changes, push=None, event=None):
        """One conditional update on the revision that was read; of two concurrent
        changes the second is a Conflict naming the state the registration is in now."""
        written = self.store.change_registration(registration, scope, changes, push, event)
        if written is None:
            current = self._registration(str(registration["_id"]), scope)
            message = (f"The registration changed meanwhile and is now {current['status']}; "
                       f"reload it and try again.")
            raise Conflict(message, {"status": [message]})
        if event is not None:
            self._publish("registrations", written["_id"], event)
        return RegistrationSchema().dump(written)

    def _advance(self, registration, scope, action, actor_id, now, note=None, **changes):
        status = registration_states.target(registration, action)
        changes["status"] = status
        event = registration_states.pending_event({**registration, **changes}, now)
        entry = registration_states.history_entry(status, now, actor_id, note)
        return self._save_registration(registration, scope, changes, {"history": entry}, event)

    # -- the conflict check -----------------------------------------------------------------

    def _check_conflicts(self, company, credit_code, partner_org_id, registration_id):
        normalised = normalise_company_name(company)
        prefix = conflicts.candidate_prefix(normalised)
        accounts = self.opportunities.match_accounts(company, credit_code, CANDIDATE_LIMIT)
        rivals = self.store.rival_registrations(normalised, prefix, credit_code, partner_org_id,
                                                registration_id, CANDIDATE_LIMIT)
        draft = {"normalised_company": normalised, "unified_social_credit_code": credit_code,
                 "company": company}
        return conflicts.find_conflicts(draft, accounts, rivals,
                                        self.settings.registrations.fuzzy_threshold)

    @rpc(expected_exceptions=EXPECTED)
    def check_registration_conflicts(self, draft):
        """The conflict check as a preview (the portal's live hint); nothing is stored.
        Internal view: the gateway shows a partner only kinds, scores and reasons."""
        wanted = load(ConflictCheckSchema(), draft)
        exclude = record_id(wanted["registration_id"], "registration") \
            if wanted["registration_id"] else None
        found = self._check_conflicts(wanted["company"], wanted["unified_social_credit_code"],
                                      wanted["partner_org_id"], exclude)
        return ConflictReportSchema().dump({"has_conflict": bool(found), "conflicts": found})

    @rpc(expected_exceptions=EXPECTED)
    def submit_registration(self, registration_id, scope, actor_id):
        """Submit for review: runs the conflict check and stores what it found."""
        registration = self._registration(registration_id, scope)
        registration_states.check(registration, "submit")
        registration_states.check_complete(registration)
        found = self._check_conflicts(registration["company"],
                                      registration.get("unified_social_credit_code"),
                                      registration["partner_org_id"], registration["_id"])
        now = utcnow()
        return self._advance(registration, scope, "submit", actor_id, now, conflicts=found,
                             submitted_at=now)

    # -- review -------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def review_registration(self, registration_id, decision, scope, actor_id):
        """Approve (creates the attributed opportunity and starts the protection),
        reject or return a submitted registration. Approving again answers the approved
        registration (a retried call creates nothing twice)."""
        review = load(ReviewSchema(), decision)
        registration = self._registration(registration_id, scope)
        if review["decision"] == "approve" and registration["status"] in (APPROVED, CONVERTED):
            return RegistrationSchema().dump(registration)
        action = registration_states.DECISION_ACTIONS[review["decision"]]
        registration_states.check(registration, action)
        now = utcnow()
        record = {"reviewer_id": actor_id, "decision": review["decision"],
                  "reason": review["reason"], "at": now}
        if action != "approve":
            return self._advance(registration, scope, action, actor_id, now, review["reason"],
                                 review=record)
        account, opportunity = self._attributed_opportunity(registration, actor_id)
        ends = registration_states.protection_end(
            now, registration["partner_tier"], self.settings.registrations.protection_days)
        try:
            return self._advance(registration, scope, "approve", actor_id, now, review["reason"],
                                 review=record, account_id=account["id"],
                                 opportunity_id=opportunity["id"], protection_ends_at=ends)
        except Conflict:
            current = self._registration(registration_id, scope)
            if current["status"] == APPROVED:   # a concurrent approval won
                return RegistrationSchema().dump(current)
            raise

    def _attributed_opportunity(self, registration, reviewer_id):
        """``(account, opportunity)``: the registered customer (the one with its credit
        code or its name, else a new one served by the partner) and an opportunity
        attributed to the partner, owned by the reviewer. Source keys make a retry get
        the same records back."""
        key = f"registration:{registration['_id']}"
        account = self._registered_account(registration, reviewer_id, key)
        opportunity = self.opportunities.create_opportunity({
            "name": registration["company"], "account_id": account["id"],
            "amount": _wire_money(registration["estimated_amount"]),
            "expected_close_date": registration["expected_close_date"].date().isoformat(),
            "owner_id": reviewer_id, "partner_org_id": registration["partner_org_id"],
            "partner_user_id": registration["partner_user_id"],
            "deal_registration_id": str(registration["_id"]),
            "notes": registration.get("notes"), "source_key": key}, {}, reviewer_id)
        return account, opportunity

    def _registered_account(self, registration, reviewer_id, key):
        code = registration.get("unified_social_credit_code")
        if code:
            for candidate in self.opportunities.match_accounts(registration["company"], code, 1):
                if candidate["unified_social_credit_code"] == code:
                    return {"id": candidate["account_id"]}
        account = self.opportunities.find_account_by_name(registration["company"])
        if account is not None:
            return account
        return self.opportunities.create_account({
            "name": registration["company"], "unified_social_credit_code": code,
            "industry": registration.get("industry"), "region": registration.get("region"),
            "owner_id": reviewer_id, "partner_org_ids": [registration["partner_org_id"]],
            "partner_user_id": registration["partner_user_id"],
            "source_key": f"{key}:account"})

    @rpc(expected_exceptions=EXPECTED)
    def extend_registration(self, registration_id, days, scope, actor_id):
        """Extend an approved registration's protection by ``days``."""
        if not isinstance(days, int) or isinstance(days, bool) \
                or not 1 <= days <= MAX_EXTENSION_DAYS:
            raise ValidationFailed("Bad extension.", {
                "days": [f"Must be a whole number of days from 1 to {MAX_EXTENSION_DAYS}."]})
        registration = self._registration(registration_id, scope)
        now = utcnow()
        changes, extension = registration_states.extended(registration, days, actor_id, now)
        entry = registration_states.history_entry(APPROVED, now, actor_id,
                                                  f"protection extended by {days} days")
        return self._save_registration(registration, scope, {**changes, "updated_by": actor_id},
                                       {"extensions": extension, "history": entry})

    @RegistrationExpiryTimer.decorator
    def expire_registrations(self):
        """Expire approved registrations whose protection ended: one conditional update
        and one event each. Returns how many expired."""
        now = utcnow()
        expired = 0
        for registration in self.store.protections_over(now):
            try:
                self._advance(registration, {}, "expire", None, now, "protection ended")
            except Conflict:   # changed meanwhile (extended, converted): the next run sees it
                continue
            expired += 1
        return expired

    @event_handler("opportunities", "opportunity_won")
    def registration_won(self, payload):
        """The attributed opportunity of an approved registration was won: converted.
        Redelivery finds it converted already and does nothing."""
        registration_id = payload.get("deal_registration_id")
        if not registration_id:
            return None
        try:
            registration = self._registration(registration_id, {})
        except NotFound:
            return None
        if not registration_states.allowed(registration["status"], "convert"):
            return None
        try:
            self._advance(registration, {}, "convert", None, utcnow(),
                          f"opportunity {payload.get('opportunity_id')} won")
        except Conflict:
            log.info("registration %s changed while converting; left as it is", registration_id)
        return registration_id

    # -- lead offers --------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def offer_lead(self, lead_id, partner_org_id, scope, actor_id):
        """Offer the lead to a partner organisation. Offering it again to the same one
        answers the open offer; to another while it is on offer is a Conflict."""
        if not isinstance(partner_org_id, str) or not partner_org_id:
            raise ValidationFailed("Name a partner organisation.",
                                   {"partner_org_id": ["Required."]})
        return self._offer_to(self._lead(lead_id, scope), partner_org_id, actor_id, "manual")

    @rpc(expected_exceptions=EXPECTED)
    def offer_lead_by_rule(self, lead_id, candidates, scope, actor_id):
        """Offer the lead to one of ``candidates`` chosen by the rule (region, then tier
        weights)."""
        if not isinstance(candidates, list):
            raise ValidationFailed("Candidates must be a list.", {"candidates": ["Not a list."]})
        wanted = [load(OfferCandidateSchema(), candidate) for candidate in candidates]
        lead = self._lead(lead_id, scope)
        chosen = offers.choose(lead, wanted, self.settings.registrations.offer_tier_weights)
        return self._offer_to(lead, chosen["partner_org_id"], actor_id, "rule")

    def _offer_to(self, lead, partner_org_id, actor_id, how):
        offers.check_offerable(lead)
        now = utcnow()
        offer = self.store.add_offer(offers.new_offer(
            lead, partner_org_id, actor_id, how, now, self.settings.registrations.offer_hours),
            now)
        if offer is None:
            offer = self.store.open_offer_for(str(lead["_id"]))
            if offer is None or offer["partner_org_id"] != partner_org_id:
                raise offers.on_offer_conflict(offer or {"expires_at": now})
        return LeadOfferSchema().dump(offer)

    def _lead_offer(self, offer_id, scope):
        offer = self.store.find_offer(record_id(offer_id, "offer"), scope)
        return _found(offer, "offer", offer_id)

    @rpc(expected_exceptions=EXPECTED)
    def get_offer(self, offer_id, scope):
        return LeadOfferSchema().dump(self._lead_offer(offer_id, scope))

    @rpc(expected_exceptions=EXPECTED)
    def list_offers(self, query, scope):
        schema = OfferQuerySchema()
        wanted = load(schema, {} if query is None else query)
        items, next_cursor = self.store.list_offers(wanted, schema.parsed_sort(wanted), scope)
        return LeadOfferPageSchema().dump({"items": items, "next_cursor": next_cursor})

    @rpc(expected_exceptions=EXPECTED)
    def answer_offer(self, offer_id, answer, scope, actor_id):
        """Accept (the lead converts into an opportunity attributed to the partner and
        ``actor_id``) or decline with a reason (the lead goes back to the pool).
        Accepting again answers the accepted offer."""
        wanted = load(OfferAnswerSchema(), answer)
        offer = self._lead_offer(offer_id, scope)
        if wanted["answer"] == "accept" and offer["status"] == offers.ACCEPTED:
            return LeadOfferSchema().dump(offer)
        now = utcnow()
        offers.check_answerable(offer, now)
        if wanted["answer"] == "decline":
            changes = {"status": offers.DECLINED, "decline_reason": wanted["reason"]}
        else:
            converted = self._accept_offer(offer, wanted["opportunity"], actor_id, now)
            changes = {"status": offers.ACCEPTED,
                       "opportunity_id": converted["conversion"]["opportunity_id"],
                       "account_id": converted["conversion"]["account_id"]}
        written = self.store.change_offer(offer, {**changes, "answered_by": actor_id,
                                                  "answered_at": now})
        if written is None:
            current = self._lead_offer(offer_id, scope)
            if current["status"] == changes["status"]:
                return LeadOfferSchema().dump(current)
            offers.check_answerable(current, now)
        return LeadOfferSchema().dump(written)

    def _accept_offer(self, offer, wanted, actor_id, now):
        """Convert the offered lead through the leads' conversion path, attributed to the
        partner. A retry after the conversion but before the offer was written finds
        the lead converted by this partner user and gets the same conversion back."""
        lead = self.store.find_lead(record_id(offer["lead_id"], "lead"), {})
        if lead is None:
            message = "The lead was voided; the offer cannot be accepted."
            raise Conflict(message, {"status": [message]})
        if lead["status"] == CONVERTED and (lead.get("conversion") or {}).get(
                "converted_by") != actor_id:
            message = "The lead is converted; the offer cannot be accepted."
            raise Conflict(message, {"status": [message]})
        request = offers.conversion_request(offer, wanted, lead, now)
        return self._convert(lead, request, actor_id, attribution={
            "partner_org_id": offer["partner_org_id"], "partner_user_id": actor_id}, scope={})

    @OfferExpiryTimer.decorator
    def expire_offers(self):
        """Expire offers nobody answered in time (the lead is offerable again). Returns
        how many expired."""
        now = utcnow()
        expired = 0
        for offer in self.store.overdue_offers(now):
            if self.store.change_offer(offer, {"status": offers.EXPIRED}) is not None:
                expired += 1
        return expired
