"""Every gateway route × who is asking: the record's owner (partner rep of org A), a
colleague in the same organisation (another rep of A), another partner (admin of org
B), an internal user outside the record's scope (a sales rep who neither owns nor
shares it) and an anonymous caller. The matrix must name every route: adding a route
without deciding who may use it fails here."""
import base64
import re

import pytest
from identity.identity_support import ADMIN_EMAIL, ADMIN_PASSWORD, CHEAP_HASHER, SECRET, Gateway

from commission.service import CommissionService
from gateway.app import create_app
from leads.service import LeadsService
from opportunities.service import OpportunitiesService
from quotes.service import QuotesService

WHO = ("owner", "colleague", "other_partner", "internal_outside", "anonymous")
NOBODY_BUT_ADMINS = dict(owner=403, colleague=403, other_partner=403, internal_outside=403,
                         anonymous=401)
EVERY_SIGNED_IN = dict(owner=200, colleague=200, other_partner=200, internal_outside=200,
                       anonymous=401)
OPEN = dict.fromkeys(WHO, 200)
BAD_BODY_OR_401 = dict(owner=400, colleague=400, other_partner=400, internal_outside=400,
                       anonymous=401)
PUBLIC_BAD_BODY = dict.fromkeys(WHO, 400)
ONLY_THE_OWNER = dict(owner=200, colleague=404, other_partner=404, internal_outside=404,
                      anonymous=401)
# Organisation A's quota: only sales ops, admins and A's partner admins see it.
NOBODY_HERE = dict.fromkeys(WHO[:-1], 404) | {"anonymous": 401}
# Steps of a record's life that are the company's: partners 403, an internal user who
# cannot change the record does not find it.
INTERNAL_STEP = dict(owner=403, colleague=403, other_partner=403, internal_outside=404,
                     anonymous=401)
# Price lists are the company's: every internal user reads them, partners never do.
PRICE_LIST_READERS = dict(owner=403, colleague=403, other_partner=403, internal_outside=200,
                          anonymous=401)
REPORTS = ("pipeline", "forecast", "win-rate", "cycle-time", "competitors", "partners",
           "customer-tiers")

ADMIN_ROUTES = [
    (method, f"/api/v1/admin/{path}")
    for path, methods in [
        ("users", "GET POST"), ("users/<user_id>", "GET PATCH"),
        ("departments", "GET POST"), ("departments/<department_id>", "GET PATCH DELETE"),
        ("groups", "GET POST"), ("groups/<group_id>", "GET PATCH DELETE"),
        ("partner-orgs", "GET POST"), ("partner-orgs/<org_id>", "GET PATCH"),
        ("partner-users", "GET POST"), ("partner-users/<user_id>", "GET PATCH"),
        ("sharing-rules", "GET POST"), ("sharing-rules/<rule_id>", "GET DELETE"),
        ("policies", "GET"), ("policies/grants", "POST DELETE"),
        ("policies/role-links", "POST DELETE"),
    ]
    for method in methods.split()
]

MATRIX = {
    **{route: NOBODY_BUT_ADMINS for route in ADMIN_ROUTES},
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    ("GET", "/metrics"): OPEN,
    ("GET", "/openapi.json"): OPEN,
    ("POST", "/api/v1/auth/sign-in"): PUBLIC_BAD_BODY,
    ("POST", "/api/v1/auth/accept-invitation"): PUBLIC_BAD_BODY,
    ("GET", "/api/v1/auth/me"): EVERY_SIGNED_IN,
    ("POST", "/api/v1/auth/change-password"): BAD_BODY_OR_401,
    ("POST", "/api/v1/auth/sign-out"): dict.fromkeys(WHO[:-1], 204) | {"anonymous": 401},
    # A partner admin manages their own organisation's users only.
    ("GET", "/api/v1/partner/users"): dict(owner=403, colleague=403, other_partner=200,
                                           internal_outside=403, anonymous=401),
    ("POST", "/api/v1/partner/users"): dict(owner=403, colleague=403, other_partner=400,
                                            internal_outside=403, anonymous=401),
    ("PATCH", "/api/v1/partner/users/<user_id>"): dict(
        owner=403, colleague=403, other_partner=404, internal_outside=403, anonymous=401),
    # Leads come to partners through registrations and offers, not by creating them.
    ("POST", "/api/v1/leads"): dict(owner=403, colleague=403, other_partner=403,
                                    internal_outside=201, anonymous=401),
    ("GET", "/api/v1/leads"): EVERY_SIGNED_IN,
    ("GET", "/api/v1/leads/<lead_id>"): ONLY_THE_OWNER,
    # A partner keeps its lead's contact facts and logs follow-ups; the rest is internal.
    ("PATCH", "/api/v1/leads/<lead_id>"): ONLY_THE_OWNER,
    ("POST", "/api/v1/leads/<lead_id>/follow-ups"): ONLY_THE_OWNER | {"owner": 201},
    **{("POST", f"/api/v1/leads/<lead_id>/{step}"): INTERNAL_STEP
       for step in ("invalid", "revive", "void", "assign", "auto-assign", "convert")},
    # Restoring a voided lead, offering leads and the assignment rules are sales
    # operations' (and admins'); the channel side offers leads too.
    ("POST", "/api/v1/leads/<lead_id>/restore"): NOBODY_BUT_ADMINS,
    ("POST", "/api/v1/leads/<lead_id>/offers"): NOBODY_BUT_ADMINS,
    ("GET", "/api/v1/assignment-rules"): NOBODY_BUT_ADMINS,
    ("POST", "/api/v1/assignment-rules"): NOBODY_BUT_ADMINS,
    ("GET", "/api/v1/assignment-rules/<rule_id>"): NOBODY_BUT_ADMINS,
    ("PATCH", "/api/v1/assignment-rules/<rule_id>"): NOBODY_BUT_ADMINS,
    # Whoever creates leads imports them (partners do not); a job is its importer's.
    ("POST", "/api/v1/lead-imports"): dict(owner=403, colleague=403, other_partner=403,
                                           internal_outside=202, anonymous=401),
    ("GET", "/api/v1/lead-imports/<import_id>"): NOBODY_HERE,
    ("POST", "/api/v1/accounts"): dict.fromkeys(WHO[:-1], 201) | {"anonymous": 401},
    ("GET", "/api/v1/accounts"): EVERY_SIGNED_IN,
    ("GET", "/api/v1/accounts/<account_id>"): ONLY_THE_OWNER,
    ("PATCH", "/api/v1/accounts/<account_id>"): ONLY_THE_OWNER,
    # A list is scoped, never refused; adding a contact needs the customer's update scope.
    ("GET", "/api/v1/accounts/<account_id>/contacts"): EVERY_SIGNED_IN,
    ("POST", "/api/v1/accounts/<account_id>/contacts"): ONLY_THE_OWNER | {"owner": 201},
    ("GET", "/api/v1/contacts/<contact_id>"): ONLY_THE_OWNER,
    ("PATCH", "/api/v1/contacts/<contact_id>"): ONLY_THE_OWNER,
    ("GET", "/api/v1/pipeline"): EVERY_SIGNED_IN,
    ("GET", "/api/v1/opportunities"): EVERY_SIGNED_IN,
    # The customer named in the body must be one the caller sees.
    ("POST", "/api/v1/opportunities"): dict(owner=201, colleague=400, other_partner=400,
                                            internal_outside=400, anonymous=401),
    ("GET", "/api/v1/opportunities/<opportunity_id>"): ONLY_THE_OWNER,
    ("PATCH", "/api/v1/opportunities/<opportunity_id>"): ONLY_THE_OWNER,
    ("POST", "/api/v1/opportunities/<opportunity_id>/stage"): ONLY_THE_OWNER,
    # Partners never reopen a deal; an internal user outside its scope does not find it.
    ("POST", "/api/v1/opportunities/<opportunity_id>/reopen"): dict(
        owner=403, colleague=403, other_partner=403, internal_outside=404, anonymous=401),
    ("PUT", "/api/v1/opportunities/<opportunity_id>/competitors/<competitor_id>"):
        ONLY_THE_OWNER,
    ("DELETE", "/api/v1/opportunities/<opportunity_id>/competitors/<competitor_id>"):
        ONLY_THE_OWNER,
    # The competitor catalogue: everyone reads it, whoever creates opportunities adds to it.
    ("GET", "/api/v1/competitors"): EVERY_SIGNED_IN,
    ("POST", "/api/v1/competitors"): dict.fromkeys(WHO[:-1], 201) | {"anonymous": 401},
    ("GET", "/api/v1/competitors/<competitor_id>"): EVERY_SIGNED_IN,
    ("GET", "/api/v1/quotas"): dict(owner=403, colleague=403, other_partner=200,
                                    internal_outside=200, anonymous=401),
    ("POST", "/api/v1/quotas"): NOBODY_BUT_ADMINS,
    ("GET", "/api/v1/quotas/<quota_id>"): NOBODY_HERE,
    ("PATCH", "/api/v1/quotas/<quota_id>"): NOBODY_HERE,
    # Reports count what the caller may read; everyone may read some opportunities.
    **{("GET", f"/api/v1/reports/{report}"): EVERY_SIGNED_IN for report in REPORTS},
    ("GET", "/api/v1/products"): EVERY_SIGNED_IN,
    ("GET", "/api/v1/products/<product_id>"): EVERY_SIGNED_IN,
    ("POST", "/api/v1/products"): NOBODY_BUT_ADMINS,
    ("PATCH", "/api/v1/products/<product_id>"): NOBODY_BUT_ADMINS,
    ("GET", "/api/v1/price-lists"): PRICE_LIST_READERS,
    ("POST", "/api/v1/price-lists"): NOBODY_BUT_ADMINS,
    ("GET", "/api/v1/price-lists/<price_list_id>"): PRICE_LIST_READERS,
    ("PATCH", "/api/v1/price-lists/<price_list_id>"): NOBODY_BUT_ADMINS,
    ("POST", "/api/v1/price-lists/<price_list_id>/rules"): NOBODY_BUT_ADMINS,
    ("DELETE", "/api/v1/price-lists/<price_list_id>/rules/<price_rule_id>"): NOBODY_BUT_ADMINS,
    # Everyone prices a basket; a partner under its own organisation's tier.
    ("POST", "/api/v1/pricing/basket"): EVERY_SIGNED_IN,
    # Quotes: a partner requests one on its own deal (the others do not see that deal:
    # 400 naming it), changes and submits its draft, reads it and its PDF; approving
    # and the customer's steps are the company's. The owner's submit approves the
    # draft at once (no discount), and no step after it changes it.
    ("GET", "/api/v1/quotes"): EVERY_SIGNED_IN,
    ("POST", "/api/v1/quotes"): dict(owner=201, colleague=400, other_partner=400,
                                     internal_outside=400, anonymous=401),
    ("GET", "/api/v1/quotes/<quote_id>"): ONLY_THE_OWNER,
    ("PATCH", "/api/v1/quotes/<quote_id>"): ONLY_THE_OWNER,
    ("POST", "/api/v1/quotes/<quote_id>/submit"): ONLY_THE_OWNER,
    **{("POST", f"/api/v1/quotes/<quote_id>/{step}"): INTERNAL_STEP
       for step in ("approve", "reject", "send", "accept", "decline", "revise")},
    ("GET", "/api/v1/quotes/<quote_id>/pdf"): ONLY_THE_OWNER,
    # Commission: sales ops (and admins) manage periods, plans, assignments and
    # recomputes; statements are scoped like owned records: organisation A's is read by
    # A's partner admin only (partner reps hold no statement grant at all), so nobody
    # here finds it, while a list is scoped, never refused, for whoever reads statements.
    ("GET", "/api/v1/commission/periods"): NOBODY_BUT_ADMINS,
    ("POST", "/api/v1/commission/periods"): NOBODY_BUT_ADMINS,
    ("GET", "/api/v1/commission/periods/<key>"): NOBODY_BUT_ADMINS,
    ("POST", "/api/v1/commission/periods/<key>/close"): NOBODY_BUT_ADMINS,
    ("POST", "/api/v1/commission/periods/<key>/recompute"): NOBODY_BUT_ADMINS,
    ("GET", "/api/v1/commission/recomputes/<job_id>"): NOBODY_BUT_ADMINS,
    ("GET", "/api/v1/commission/plans"): NOBODY_BUT_ADMINS,
    ("POST", "/api/v1/commission/plans"): NOBODY_BUT_ADMINS,
    ("GET", "/api/v1/commission/plans/<plan_id>"): NOBODY_BUT_ADMINS,
    ("PATCH", "/api/v1/commission/plans/<plan_id>"): NOBODY_BUT_ADMINS,
    ("GET", "/api/v1/commission/assignments"): NOBODY_BUT_ADMINS,
    ("POST", "/api/v1/commission/assignments"): NOBODY_BUT_ADMINS,
    ("GET", "/api/v1/commission/statements"): dict(owner=403, colleague=403, other_partner=200,
                                                   internal_outside=200, anonymous=401),
    ("GET", "/api/v1/commission/statements/<period>/<payee_kind>/<payee_id>"): NOBODY_HERE,
    ("GET", "/api/v1/commission/statements/<period>/<payee_kind>/<payee_id>/csv"): NOBODY_HERE,
    # A preview for organisation A: its partner reps hold no statement grant, organisation
    # B's admin and an internal rep do not read A's statements.
    ("POST", "/api/v1/commission/preview"): NOBODY_BUT_ADMINS,
    # Deal registrations: partners register deals (a rep reads only its own); channel
    # managers review and extend them; everyone who reads registrations may ask the
    # conflict check (a partner learns only whether and why).
    ("GET", "/api/v1/deal-registrations"): EVERY_SIGNED_IN,
    ("POST", "/api/v1/deal-registrations"): dict.fromkeys(WHO[:3], 201) | {
        "internal_outside": 403, "anonymous": 401},
    ("POST", "/api/v1/deal-registrations/conflict-check"): EVERY_SIGNED_IN,
    ("GET", "/api/v1/deal-registrations/<registration_id>"): ONLY_THE_OWNER,
    ("PATCH", "/api/v1/deal-registrations/<registration_id>"): ONLY_THE_OWNER,
    ("POST", "/api/v1/deal-registrations/<registration_id>/submit"): ONLY_THE_OWNER,
    ("POST", "/api/v1/deal-registrations/<registration_id>/review"): INTERNAL_STEP,
    ("POST", "/api/v1/deal-registrations/<registration_id>/extend"): INTERNAL_STEP,
    # Lead offers go to organisation A as a whole; only its users answer them. Accepted
    # by the owner, accepting again answers the same, declining is a 409.
    ("GET", "/api/v1/lead-offers"): dict.fromkeys(WHO[:3], 200) | {
        "internal_outside": 403, "anonymous": 401},
    ("GET", "/api/v1/lead-offers/<offer_id>"): dict(owner=200, colleague=200,
                                                    other_partner=404, internal_outside=404,
                                                    anonymous=401),
    ("POST", "/api/v1/lead-offers/<offer_id>/accept"): dict(
        owner=200, colleague=200, other_partner=404, internal_outside=403, anonymous=401),
    ("POST", "/api/v1/lead-offers/<offer_id>/decline"): dict(
        owner=409, colleague=409, other_partner=404, internal_outside=403, anonymous=401),
}

CNY_100 = {"amount": "100.00", "currency": "CNY"}
# <name> in a body is filled in like the path; <who> is who is asking.
BODIES = {
    ("POST", "/api/v1/leads"): {"company": "矩阵测试有限公司"},
    ("POST", "/api/v1/accounts"): {"name": "矩阵测试客户"},
    ("PATCH", "/api/v1/accounts/<account_id>"): {"industry": "制造业"},
    ("POST", "/api/v1/accounts/<account_id>/contacts"): {"name": "矩阵联系人"},
    ("PATCH", "/api/v1/contacts/<contact_id>"): {"title": "采购经理"},
    ("POST", "/api/v1/opportunities"): {"name": "矩阵商机", "account_id": "<account_id>",
                                        "amount": CNY_100, "expected_close_date": "2026-12-31"},
    ("PATCH", "/api/v1/opportunities/<opportunity_id>"): {"next_step": "约见采购"},
    ("POST", "/api/v1/opportunities/<opportunity_id>/stage"): {"stage": "needs_analysis"},
    ("POST", "/api/v1/competitors"): {"name": "矩阵对手 <who>"},
    ("POST", "/api/v1/quotas"): {"period": "2026-12", "owner_id": "<user_id>",
                                 "target": CNY_100},
    ("PATCH", "/api/v1/quotas/<quota_id>"): {"target": CNY_100},
    ("POST", "/api/v1/products"): {"sku": "MATRIX-1", "name": "x",
                                   "list_price": {"amount": "1.00", "currency": "CNY"}},
    ("PATCH", "/api/v1/products/<product_id>"): {"name": "矩阵产品"},
    ("POST", "/api/v1/price-lists"): {"name": "矩阵价格表", "currency": "CNY"},
    ("PATCH", "/api/v1/price-lists/<price_list_id>"): {"description": "矩阵"},
    ("POST", "/api/v1/price-lists/<price_list_id>/rules"): {
        "applies_to": {"kind": "all"}, "kind": "percent_discount", "percent": "5"},
    ("POST", "/api/v1/pricing/basket"): {
        "lines": [{"product_id": "<product_id>", "quantity": "2"}], "currency": "CNY"},
    ("POST", "/api/v1/quotes"): {"opportunity_id": "<opportunity_id>",
                                 "lines": [{"product_id": "<product_id>", "quantity": "1"}]},
    ("PATCH", "/api/v1/quotes/<quote_id>"): {"notes": "矩阵备注"},
    ("POST", "/api/v1/quotes/<quote_id>/reject"): {"reason": "矩阵退回"},
    ("POST", "/api/v1/commission/periods"): {"key": "2027-01"},
    ("POST", "/api/v1/commission/plans"): {"name": "矩阵方案", "payee_kind": "partner",
                                           "currency": "CNY", "rate_percent": "5"},
    ("PATCH", "/api/v1/commission/plans/<plan_id>"): {"rate_percent": "6"},
    ("POST", "/api/v1/commission/assignments"): {
        "plan_id": "<plan_id>", "payee_kind": "partner_org", "payee_id": "<org_id>",
        "effective_from": "2027-01-01"},
    ("POST", "/api/v1/commission/preview"): {
        "period": "2026-11", "payee_kind": "partner_org", "payee_id": "<org_id>",
        "deal": {"amount": CNY_100, "partner_org_id": "<org_id>"}},
    ("PATCH", "/api/v1/partner/users/<user_id>"): {"role": "partner_admin"},
    ("PATCH", "/api/v1/leads/<lead_id>"): {"notes": "矩阵备注"},
    ("POST", "/api/v1/leads/<lead_id>/follow-ups"): {"channel": "phone", "note": "矩阵跟进"},
    ("POST", "/api/v1/leads/<lead_id>/invalid"): {"reason": "矩阵无效"},
    ("POST", "/api/v1/leads/<lead_id>/assign"): {"owner_id": "<record_owner_id>"},
    ("POST", "/api/v1/leads/<lead_id>/offers"): {"partner_org_id": "<org_id>"},
    ("POST", "/api/v1/assignment-rules"): {"name": "矩阵规则",
                                           "reps": [{"user_id": "<record_owner_id>"}]},
    ("PATCH", "/api/v1/assignment-rules/<rule_id>"): {"active": False},
    ("POST", "/api/v1/lead-imports"): {
        "file_name": "matrix.csv",
        "content_base64": base64.b64encode("company\n矩阵导入公司\n".encode()).decode()},
    ("POST", "/api/v1/deal-registrations"): {"company": "矩阵报备 <who>"},
    ("POST", "/api/v1/deal-registrations/conflict-check"): {"company": "甲方报备"},
    ("PATCH", "/api/v1/deal-registrations/<registration_id>"): {"notes": "矩阵备注"},
    ("POST", "/api/v1/deal-registrations/<registration_id>/review"): {"decision": "approve"},
    ("POST", "/api/v1/deal-registrations/<registration_id>/extend"): {"days": 10},
    ("POST", "/api/v1/lead-offers/<offer_id>/decline"): {"reason": "矩阵不做"},
}


def filled(template, value, who):
    """``template`` (a path or a body) with every ``<name>`` replaced by ``value(name)``
    and ``<who>`` by who is asking."""
    if isinstance(template, dict):
        return {key: filled(item, value, who) for key, item in template.items()}
    if isinstance(template, list):
        return [filled(item, value, who) for item in template]
    if isinstance(template, str):
        return re.sub(r"<(\w+)>", lambda m: who if m[1] == "who" else value(m[1]), template)
    return template


def gateway_routes(app):
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


@pytest.fixture
def world(start_service, service_config):
    for service in (LeadsService, OpportunitiesService, QuotesService, CommissionService):
        start_service(service)
    app = create_app({"TESTING": True, "AMQP_URI": service_config["AMQP_URI"],
                      "RPC_TIMEOUT": "3", "READY_TIMEOUT": "2", "SECRET_KEY": SECRET,
                      "PASSWORD_HASHER": CHEAP_HASHER, "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
                      "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD})
    gateway = Gateway(app)
    org_a, org_b = gateway.org("渠道甲"), gateway.org("渠道乙")
    owner, owner_token = gateway.partner(org_a["id"], "a1@a.example")
    _, colleague_token = gateway.partner(org_a["id"], "a2@a.example")
    _, other_token = gateway.partner(org_b["id"], "b1@b.example", role="partner_admin")
    record_owner = gateway.user("r1@internal.example")
    gateway.user("r2@internal.example")
    outside_token = gateway.token("r2@internal.example")

    def admin_created(path, body):
        answer = gateway.call("POST", path, gateway.admin_token, json=body)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    ownership = {"owner_id": record_owner["id"], "partner_user_id": owner["id"]}
    lead = admin_created("/api/v1/leads", {"company": "甲方线索", "partner_org_id": org_a["id"],
                                           **ownership})
    account = admin_created("/api/v1/accounts", {"name": "甲方客户",
                                                 "partner_org_ids": [org_a["id"]], **ownership})
    contact = admin_created(f"/api/v1/accounts/{account['id']}/contacts", {"name": "甲方联系人"})
    opportunity = admin_created("/api/v1/opportunities", {
        "name": "甲方商机", "account_id": account["id"], "amount": CNY_100,
        "expected_close_date": "2026-12-31", "partner_org_id": org_a["id"], **ownership})
    competitor = admin_created("/api/v1/competitors", {"name": "乙方对手"})
    quota = admin_created("/api/v1/quotas", {"period": "2026-11", "partner_org_id": org_a["id"],
                                             "target": CNY_100})
    product = admin_created("/api/v1/products", {
        "sku": "SRV-1", "name": "Server", "list_price": {"amount": "9.90", "currency": "CNY"}})
    admin_created("/api/v1/commission/periods", {"key": "2026-11"})
    plan = admin_created("/api/v1/commission/plans", {
        "name": "甲方方案", "payee_kind": "partner", "currency": "CNY", "rate_percent": "5"})
    admin_created("/api/v1/commission/assignments", {
        "plan_id": plan["id"], "payee_kind": "partner_org", "payee_id": org_a["id"],
        "effective_from": "2026-11-01", "effective_to": "2026-12-31"})
    recompute = gateway.call("POST", "/api/v1/commission/periods/2026-11/recompute",
                             gateway.admin_token)
    assert recompute.status_code == 202, recompute.get_json()
    price_list = admin_created("/api/v1/price-lists", {"name": "金牌价", "currency": "CNY",
                                                        "partner_tiers": ["gold"]})
    price_list = admin_created(f"/api/v1/price-lists/{price_list['id']}/rules", {
        "applies_to": {"kind": "all"}, "kind": "percent_discount", "percent": "10"})
    quote = admin_created("/api/v1/quotes", {
        "opportunity_id": opportunity["id"],
        "lines": [{"product_id": product["id"], "quantity": "3"}]})
    offer = admin_created(f"/api/v1/leads/{lead['id']}/offers", {"partner_org_id": org_a["id"]})
    rule = admin_created("/api/v1/assignment-rules", {
        "name": "甲方规则", "reps": [{"user_id": record_owner["id"]}]})
    job = gateway.call("POST", "/api/v1/lead-imports", gateway.admin_token,
                       json=BODIES[("POST", "/api/v1/lead-imports")])
    assert job.status_code == 202, job.get_json()
    answer = gateway.call("POST", "/api/v1/deal-registrations", owner_token,
                          json={"company": "甲方报备", "estimated_amount": CNY_100,
                                "expected_close_date": "2026-12-31"})
    assert answer.status_code == 201, answer.get_json()
    registration = answer.get_json()
    unknown = "0123456789abcdef01234567"
    values = {"lead_id": lead["id"], "account_id": account["id"], "product_id": product["id"],
              "key": "2026-11", "user_id": owner["id"], "contact_id": contact["id"],
              "opportunity_id": opportunity["id"], "competitor_id": competitor["id"],
              "quota_id": quota["id"], "offer_id": offer["id"], "rule_id": rule["id"],
              "import_id": job.get_json()["id"], "registration_id": registration["id"],
              "org_id": org_a["id"], "record_owner_id": record_owner["id"],
              "price_list_id": price_list["id"], "price_rule_id": price_list["rules"][0]["id"],
              "quote_id": quote["id"], "plan_id": plan["id"],
              "period": "2026-11", "payee_kind": "partner_org", "payee_id": org_a["id"],
              "job_id": recompute.get_json()["id"]}
    tokens = {"owner": owner_token, "colleague": colleague_token, "other_partner": other_token,
              "internal_outside": outside_token, "anonymous": None}
    return gateway, tokens, lambda name: values.get(name, unknown)


def test_the_matrix_names_every_route():
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET,
                      "AMQP_URI": "pyamqp://guest:guest@127.0.0.1:1//"})
    routes = gateway_routes(app)
    assert routes - set(MATRIX) == set(), "routes without an isolation entry"
    assert set(MATRIX) - routes == set(), "entries for routes that no longer exist"


def test_who_gets_what_on_every_route(world):
    gateway, tokens, value = world
    # Signing out revokes the caller's token: do it last.
    routes = sorted(MATRIX, key=lambda route: route[1] == "/api/v1/auth/sign-out")
    wrong = []
    for method, rule in routes:
        for who in WHO:
            answer = gateway.call(method, filled(rule, value, who), tokens[who],
                                  json=filled(BODIES.get((method, rule), {}), value, who))
            expected = MATRIX[(method, rule)][who]
            if answer.status_code != expected:
                body = answer.get_json(silent=True) or {}
                wrong.append(f"{method} {rule} as {who}: {answer.status_code}, "
                             f"expected {expected} {body.get('errors') or ''}")
            if answer.status_code >= 400 and rule != "/readyz":
                assert answer.mimetype == "application/problem+json", (method, rule, who)
    assert wrong == [], "\n".join(wrong)
