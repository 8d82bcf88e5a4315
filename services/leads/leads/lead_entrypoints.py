"""The leads' entrypoints, mixed into ``LeadsService``: leads, follow-ups, states,
assignment and its rules, imports and conversion. Thin: validate, load, call the rule,
store, dispatch.

Uses the service's ``store`` (LeadRepository), ``settings`` (LeadsSettings),
``opportunities`` (RpcProxy), ``background`` (Background) and ``_publish``.
"""
import base64
import binascii
import logging

import eventlet
from nameko.rpc import rpc

from sfa_common.clock import utcnow
from sfa_common.contracts.leads import (
    AssignmentRuleCreateSchema,
    AssignmentRulePageSchema,
    AssignmentRuleQuerySchema,
    AssignmentRuleSchema,
    AssignmentRuleUpdateSchema,
    AssignSchema,
    ConvertSchema,
    CreatedLeadSchema,
    FollowUpCreateSchema,
    ImportJobSchema,
    ImportStartSchema,
    LeadCreateSchema,
    LeadPageSchema,
    LeadQuerySchema,
    LeadSchema,
    LeadUpdateSchema,
)
from sfa_common.errors import EXPECTED, Conflict, NotFound, ValidationFailed
from sfa_common.service import load, record_id

from . import assignment, conversion, duplicates, imports, lead_states

log = logging.getLogger(__name__)


def _found(record, what, wanted_id):
    if record is None:
        raise NotFound(f"No {what} {wanted_id!r}.")
    return record


class LeadEntrypoints:

    # -- leads ----------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_lead(self, payload):
        """Create a lead; ``duplicates`` warns of other leads with the same phone, email
        or company (it is created anyway)."""
        lead = load(LeadCreateSchema(), payload)
        keys = duplicates.keys(lead)
        created = self.store.add_lead({**lead, **keys})
        found = duplicates.duplicates(keys, self.store.duplicate_leads(keys, created["_id"]))
        return CreatedLeadSchema().dump({**created, "duplicates": found})

    def _lead(self, lead_id, scope, include_voided=False):
        lead = self.store.find_lead(record_id(lead_id, "lead"), scope, include_voided)
        return _found(lead, "lead", lead_id)

    @rpc(expected_exceptions=EXPECTED)
    def get_lead(self, lead_id, scope, include_voided=False):
        return LeadSchema().dump(self._lead(lead_id, scope, bool(include_voided)))

    @rpc(expected_exceptions=EXPECTED)
    def update_lead(self, lead_id, changes, scope, actor_id):
        changes = load(LeadUpdateSchema(), changes)
        lead = self._lead(lead_id, scope)
        lead_states.check(lead, "edit")
        if {"company", "phone", "email"} & set(changes):
            changes.update(duplicates.keys({**lead, **changes}))
        return self._write(lead, scope, {**changes, "updated_by": actor_id})

    @rpc(expected_exceptions=EXPECTED)
    def list_leads(self, query, scope):
        schema = LeadQuerySchema()
        wanted = load(schema, {} if query is None else query)
        items, next_cursor = self.store.list_leads(wanted, schema.parsed_sort(wanted), scope,
                                                   utcnow())
        return LeadPageSchema().dump({"items": items, "next_cursor": next_cursor})

    def _write(self, lead, scope, changes, push=None, event=None, include_voided=False):
        """One conditional update on the revision that was read; of two concurrent
        changes the second is a Conflict naming the state the lead is in now."""
        written = self.store.change_lead(lead, scope, changes, push, event, include_voided)
        if written is None:
            current = self._lead(str(lead["_id"]), scope, include_voided=True)
            message = (f"The lead changed meanwhile and is now {current['status']}; "
                       f"reload it and try again.")
            raise Conflict(message, {"status": [message]})
        if event is not None:
            self._publish("leads", written["_id"], event)
        return LeadSchema().dump(written)

    # -- follow-ups and states --------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def add_follow_up(self, lead_id, follow_up, scope, actor_id):
        entry = load(FollowUpCreateSchema(), follow_up)
        lead = self._lead(lead_id, scope)
        entry["at"] = entry["at"] or utcnow()
        entry["actor_id"] = actor_id
        changes = lead_states.follow_up(lead, entry)
        return self._write(lead, scope, changes, push={"follow_ups": entry})

    @rpc(expected_exceptions=EXPECTED)
    def mark_invalid(self, lead_id, reason, scope, actor_id):
        lead = self._lead(lead_id, scope)
        return self._write(lead, scope, {**lead_states.invalidate(lead, reason),
                                         "updated_by": actor_id})

    @rpc(expected_exceptions=EXPECTED)
    def revive_lead(self, lead_id, scope, actor_id):
        lead = self._lead(lead_id, scope)
        return self._write(lead, scope, {**lead_states.revive(lead), "updated_by": actor_id})

    @rpc(expected_exceptions=EXPECTED)
    def void_lead(self, lead_id, scope, actor_id):
        lead = self._lead(lead_id, scope)
        return self._write(lead, scope, {**lead_states.void(lead), "updated_by": actor_id})

    @rpc(expected_exceptions=EXPECTED)
    def restore_lead(self, lead_id, scope, actor_id):
        """Undo a void (the gateway lets only admins ask)."""
        lead = self._lead(lead_id, scope, include_voided=True)
        return self._write(lead, scope, {**lead_states.restore(lead), "updated_by": actor_id},
                           include_voided=True)

    # -- assignment -----------------------------------------------------------------------

    def _assign(self, lead, scope, owner_id, department_id, actor_id, rule_id=None):
        entry = assignment.history_entry(lead, owner_id, department_id, actor_id, utcnow(),
                                         rule_id)
        return self._write(lead, scope, {"owner_id": owner_id, "department_id": department_id,
                                         "updated_by": actor_id},
                           push={"assignment_history": entry})

    @rpc(expected_exceptions=EXPECTED)
    def assign_lead(self, lead_id, owner_id, department_id, scope, actor_id):
        wanted = load(AssignSchema(), {"owner_id": owner_id, "department_id": department_id})
        lead = self._lead(lead_id, scope)
        lead_states.check(lead, "assign")
        return self._assign(lead, scope, wanted["owner_id"], wanted["department_id"], actor_id)

    @rpc(expected_exceptions=EXPECTED)
    def auto_assign(self, lead_id, scope, actor_id):
        """Assign by the first matching rule, round robin over its reps under the cap."""
        lead = self._lead(lead_id, scope)
        lead_states.check(lead, "assign")
        rule = assignment.matching_rule(self.store.active_rules(), lead)
        if rule is None:
            raise assignment.no_rule(lead)
        counts = self.store.open_lead_counts(rep["user_id"] for rep in rule["reps"])
        choice = assignment.choose_rep(rule, self.store.take_turn(rule["_id"]), counts)
        return self._assign(lead, scope, choice.rep["user_id"], choice.rep.get("department_id"),
                            actor_id, choice.rule_id)

    @rpc(expected_exceptions=EXPECTED)
    def create_assignment_rule(self, payload):
        rule = load(AssignmentRuleCreateSchema(), payload)
        return AssignmentRuleSchema().dump(self.store.add_rule(rule))

    @rpc(expected_exceptions=EXPECTED)
    def get_assignment_rule(self, rule_id):
        rule = self.store.find_rule(record_id(rule_id, "assignment rule"))
        return AssignmentRuleSchema().dump(_found(rule, "assignment rule", rule_id))

    @rpc(expected_exceptions=EXPECTED)
    def update_assignment_rule(self, rule_id, changes):
        changes = load(AssignmentRuleUpdateSchema(), changes)
        rule = self.store.update_rule(record_id(rule_id, "assignment rule"), changes)
        return AssignmentRuleSchema().dump(_found(rule, "assignment rule", rule_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_assignment_rules(self, query):
        schema = AssignmentRuleQuerySchema()
        wanted = load(schema, {} if query is None else query)
        items, next_cursor = self.store.list_rules(wanted, schema.parsed_sort(wanted))
        return AssignmentRulePageSchema().dump({"items": items, "next_cursor": next_cursor})

    # -- imports --------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def start_import(self, file_name, content_base64, defaults, actor_id):
        """Start importing a CSV or XLSX file of leads; answers the running job at once
        (its progress: ``get_import``)."""
        wanted = load(ImportStartSchema(), {"file_name": file_name,
                                            "content_base64": content_base64,
                                            "defaults": defaults or {}})
        try:
            content = base64.b64decode(wanted["content_base64"], validate=False)
        except (binascii.Error, ValueError):
            raise ValidationFailed("The file is not base64.",
                                   {"content_base64": ["Not base64."]}) from None
        job = self.store.add_import({"file_name": wanted["file_name"], "created_by": actor_id,
                                     "defaults": wanted["defaults"]})
        self.background(str(job["_id"]), run_import, self.store, job["_id"],
                        wanted["file_name"], content, wanted["defaults"], actor_id,
                        self.settings.leads.import_chunk)
        return ImportJobSchema().dump(job)

    @rpc(expected_exceptions=EXPECTED)
    def get_import(self, job_id, actor_scope):
        job = self.store.find_import(record_id(job_id, "import"), actor_scope)
        return ImportJobSchema().dump(_found(job, "import", job_id))

    # -- conversion -----------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def convert_lead(self, lead_id, conversion, scope, actor_id, account_scope=None):
        """Convert the lead: link or create its customer, create the contact and the
        opportunity asked for. A converted lead answers its conversion again."""
        lead = self._lead(lead_id, scope)
        return self._convert(lead, conversion, actor_id, scope=scope,
                             account_scope=account_scope)

    def _convert(self, lead, request, actor_id, attribution=None, scope=None,
                 account_scope=None):
        """The conversion path (also a lead offer's acceptance): ``lead`` as stored,
        ``request`` as ``ConvertSchema`` takes it (the wire form), ``attribution`` {partner_org_id,
        partner_user_id} crediting a partner. Returns the converted lead (LeadSchema).

        Every create carries a source key derived from the lead, so a retry after any
        failure (even after the records were created but the lead was not yet written)
        gets the same records back and creates nothing twice."""
        wanted = load(ConvertSchema(), request or {})
        scope = {} if scope is None else scope
        if lead["status"] == "converted":
            return LeadSchema().dump(lead)
        lead_states.check(lead, "convert")
        plan = conversion.plan(lead, wanted, actor_id, attribution)
        account, created = self._conversion_account(plan, account_scope)
        contact = self._conversion_contact(plan, account)
        opportunity = self._conversion_opportunity(plan, account, contact, actor_id)
        now = utcnow()
        outcome = conversion.outcome(account, created, contact, opportunity, actor_id, now)
        changes = lead_states.convert(lead, outcome)
        event = conversion.pending_event({**lead, **changes}, outcome, now)
        written = self.store.change_lead(lead, scope, {**changes, "updated_by": actor_id},
                                         event=event)
        if written is None:
            current = self._lead(str(lead["_id"]), scope, include_voided=True)
            if current["status"] == "converted":   # a concurrent conversion won
                return LeadSchema().dump(current)
            lead_states.check(current, "convert")
            message = (f"The lead changed meanwhile and is now {current['status']}; "
                       f"convert it again.")
            raise Conflict(message, {"status": [message]})
        self._publish("leads", written["_id"], event)
        return LeadSchema().dump(written)

    def _conversion_account(self, plan, account_scope):
        """``(account, created)``: the customer given, or the one of the same name when the
        duplicate check is on, or a new one."""
        key = conversion.source_key(plan.lead_id, "account")
        if plan.account_id is not None:
            try:
                account = self.opportunities.get_account(
                    plan.account_id, {} if account_scope is None else account_scope)
            except NotFound:
                raise ValidationFailed("No such customer.", {
                    "account.account_id": ["No such customer."]}) from None
            return account, False
        if self.settings.leads.duplicate_check:
            account = self.opportunities.find_account_by_name(plan.account["name"])
            if account is not None:
                # Created by an earlier attempt of this very conversion: still "created".
                return account, account.get("source_key") == key
        try:
            account = self.opportunities.create_account({**plan.account, "source_key": key})
        except ValidationFailed as error:
            raise conversion.prefixed(error, "account") from None
        return account, True

    def _conversion_contact(self, plan, account):
        if plan.contact is None:
            return None
        try:
            return self.opportunities.create_contact(
                {**plan.contact, "account_id": account["id"],
                 "source_key": conversion.source_key(plan.lead_id, "contact")}, {})
        except ValidationFailed as error:
            raise conversion.prefixed(error, "contact") from None

    def _conversion_opportunity(self, plan, account, contact, actor_id):
        if plan.opportunity is None:
            return None
        try:
            return self.opportunities.create_opportunity(
                {**plan.opportunity, "account_id": account["id"],
                 "contact_ids": [contact["id"]] if contact else [],
                 "source_key": conversion.source_key(plan.lead_id, "opportunity")},
                {}, actor_id)
        except ValidationFailed as error:
            raise conversion.prefixed(error, "opportunity") from None


def run_import(store, job_id, file_name, content, defaults, actor_id, chunk):
    """Import the file's rows into ``store``, ``chunk`` rows between two yields to
    eventlet, recording progress on the job. Never raises: a thread the container
    manages must not, so an unexpected failure marks the job failed."""
    try:
        _import_rows(store, job_id, file_name, content, defaults, actor_id, chunk)
    except imports.FileError as error:
        store.record_import(job_id, {"status": "failed", "failure": str(error),
                                     "finished_at": utcnow()})
    except Exception:
        log.exception("lead import %s failed", job_id)
        store.record_import(job_id, {"status": "failed", "finished_at": utcnow(),
                                     "failure": "The import stopped on an unexpected error."})


def _import_rows(store, job_id, file_name, content, defaults, actor_id, chunk):
    parsed = imports.parse(file_name, content)
    store.record_import(job_id, {"total": len(parsed.rows)})
    for start in range(0, len(parsed.rows), chunk):
        created = skipped = 0
        errors = []
        for row in parsed.rows[start:start + chunk]:
            lead, row_errors = imports.validate_row(row, defaults)
            if row_errors:
                errors.extend(row_errors)
                continue
            added = store.add_lead({**lead, **duplicates.keys(lead),
                                    "import_fingerprint": imports.fingerprint(row),
                                    "import_id": str(job_id), "created_by": actor_id})
            if added is None:
                skipped += 1
            else:
                created += 1
        done = len(parsed.rows[start:start + chunk])
        store.record_import(job_id, increments={"processed": done, "created": created,
                                                "skipped_duplicates": skipped},
                            errors=errors)
        eventlet.sleep(0)   # let the AMQP heartbeat and other workers run
    store.record_import(job_id, {"status": "done", "finished_at": utcnow()})
