"""Seed demo data through the gateway's API, idempotently: a record that is
already there (409) is left as it is, so running this twice changes nothing.

    python scripts/seed_demo.py --gateway http://127.0.0.1:8000 --wait 90

It signs in as the bootstrap admin (BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD,
which the gateway creates at start-up) and creates demo partners whose users accept
their invitations with the demo passwords printed by `make run`.
"""
import argparse
import os
import sys
import time

import requests

DEMO_ADMIN = ("admin@channel-sfa.example", "demo-admin-password")
PARTNER_ORG = {"name": "华东优选渠道有限公司", "tier": "gold"}
PARTNER_USERS = [  # (name, email, role, password)
    ("王伙伴", "admin@huadong-partner.example", "partner_admin", "demo-partner-admin"),
    ("李销售", "rep@huadong-partner.example", "partner_rep", "demo-partner-rep-1"),
]

PRODUCTS = [
    {"sku": "SRV-R740", "name": "机架式服务器 R740", "category": "hardware/servers", "unit": "台",
     "list_price": {"amount": "45800.00", "currency": "CNY"},
     "cost": {"amount": "31200.00", "currency": "CNY"}},
    {"sku": "SRV-T150", "name": "塔式服务器 T150", "category": "hardware/servers", "unit": "台",
     "list_price": {"amount": "12900.00", "currency": "CNY"},
     "cost": {"amount": "8600.00", "currency": "CNY"}},
    {"sku": "NET-SW48", "name": "48口千兆交换机", "category": "hardware/network", "unit": "台",
     "list_price": {"amount": "6800.00", "currency": "CNY"},
     "cost": {"amount": "4100.00", "currency": "CNY"}},
    {"sku": "LIC-CRM-USER", "name": "CRM 用户许可（年）", "category": "software/licences",
     "unit": "用户/年", "list_price": {"amount": "1200.00", "currency": "CNY"},
     "cost": {"amount": "150.00", "currency": "CNY"}},
    {"sku": "SVC-IMPL-DAY", "name": "实施服务（人天）", "category": "services/implementation",
     "unit": "人天", "list_price": {"amount": "2500.00", "currency": "CNY"},
     "cost": {"amount": "1400.00", "currency": "CNY"}},
]
ACCOUNTS = [
    {"name": "北京华辰科技有限公司", "unified_social_credit_code": "91110108MA01ABCD1E",
     "industry": "制造业", "region": "华北"},
    {"name": "上海浦江物流股份有限公司", "unified_social_credit_code": "91310115MA1H2B3C4N",
     "industry": "物流", "region": "华东"},
]
PERIODS = [{"key": "2026-11"}, {"key": "2026-12"}]
# Customers the demo partner's channel serves, with their contacts.
PARTNER_ACCOUNTS = [
    ({"name": "杭州西溪数据服务有限公司", "unified_social_credit_code": "91330106MA27XK5L0C",
      "industry": "软件和信息技术服务", "region": "华东", "segment": "mid_market"},
     [{"name": "陈经理", "title": "IT 总监", "phone": "+86 571 8800 1234",
       "email": "chen@xixi-data.example"}]),
    ({"name": "苏州工业园区精密制造有限公司", "industry": "制造业", "region": "华东",
      "segment": "enterprise"},
     [{"name": "周工", "title": "设备部经理", "phone": "+86 512 6600 7788"},
      {"name": "吴总", "title": "副总经理", "email": "wu@sz-precision.example"}]),
]
# The price list gold partners buy from: hardware 8 % off, 12 % off from 10 servers
# (quantity break), licences at list price less 15 % rounded to whole yuan, never
# under a 30 % margin over cost.
GOLD_PRICE_LIST = {"name": "金牌渠道价", "currency": "CNY", "partner_tiers": ["gold"],
                   "description": "Gold partners' prices"}
GOLD_RULES = [
    {"applies_to": {"kind": "category", "category": "hardware"}, "kind": "percent_discount",
     "percent": "8"},
    {"applies_to": {"kind": "category", "category": "hardware/servers"},
     "kind": "percent_discount", "percent": "12", "min_quantity": "10"},
    {"applies_to": {"kind": "category", "category": "software"}, "kind": "formula",
     "formula": {"base": "list_price", "discount_percent": "15", "rounding": "1",
                 "min_margin_percent": "30"}},
]
# Leads in the pool; the first is offered to the demo partner.
LEADS = [
    {"company": "宁波港口物流有限公司", "contact_name": "孙主任", "phone": "+86 574 2766 0000",
     "source": "event", "region": "华东", "industry": "物流",
     "products_of_interest": ["服务器", "网络设备"]},
    {"company": "合肥新能源电池有限公司", "contact_name": "钱经理",
     "email": "qian@hf-battery.example", "source": "web", "region": "华东",
     "industry": "制造业"},
]
COMPETITORS = [{"name": "新华三"}, {"name": "浪潮信息"}, {"name": "联想企业科技"}]
# (account index, name, amount, close date, stages to move through, lost reason)
PARTNER_OPPORTUNITIES = [
    (0, "西溪数据 - 私有云扩容", "368000.00", "2026-12-18", ["needs_analysis", "proposal"], None),
    (0, "西溪数据 - CRM 用户许可续约", "96000.00", "2026-12-05", ["needs_analysis"], None),
    (1, "精密制造 - 车间网络改造", "154000.00", "2027-01-20", [], None),
    (1, "精密制造 - 服务器采购", "229000.00", "2026-11-10",
     ["needs_analysis", "proposal", "negotiation", "won"], None),
    (0, "西溪数据 - 灾备方案", "185000.00", "2026-10-30", ["proposal", "lost"], "price"),
]


def wait_until_ready(gateway, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{gateway}/readyz", timeout=5).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(1)
    return False


def admin_credentials():
    return (os.environ.get("BOOTSTRAP_ADMIN_EMAIL") or DEMO_ADMIN[0],
            os.environ.get("BOOTSTRAP_ADMIN_PASSWORD") or DEMO_ADMIN[1])


def sign_in(gateway, email, password, audience="api"):
    response = requests.post(f"{gateway}/api/v1/auth/sign-in", timeout=10, json={
        "email": email, "password": password, "audience": audience})
    if response.status_code != 200:
        sys.exit(f"signing in as {email} failed: {response.status_code} {response.text}")
    return response.json()["access_token"]


def api(gateway, token):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    session.base = gateway
    return session


def seed(session, path, records):
    created = 0
    for record in records:
        response = session.post(f"{session.base}{path}", json=record, timeout=10)
        if response.status_code == 201:
            created += 1
        elif response.status_code != 409:
            sys.exit(f"seeding {path} failed: {response.status_code} {response.text}")
    print(f"  {path}: {created} created, {len(records) - created} already there")


def seed_partner(session):
    """The demo partner organisation and its users (invited, then accepted); returns
    the organisation and its users by email."""
    gateway = session.base
    orgs = session.get(f"{gateway}/api/v1/admin/partner-orgs", params={"limit": 200},
                       timeout=10).json()["items"]
    org = next((o for o in orgs if o["name"] == PARTNER_ORG["name"]), None)
    if org is None:
        org = session.post(f"{gateway}/api/v1/admin/partner-orgs", json=PARTNER_ORG,
                           timeout=10).json()
    created = 0
    for name, email, role, password in PARTNER_USERS:
        invited = session.post(f"{gateway}/api/v1/admin/partner-users", timeout=10, json={
            "name": name, "email": email, "role": role, "org_id": org["id"]})
        if invited.status_code == 409:
            continue
        if invited.status_code != 201:
            sys.exit(f"inviting {email} failed: {invited.status_code} {invited.text}")
        accepted = requests.post(f"{gateway}/api/v1/auth/accept-invitation", timeout=10, json={
            "token": invited.json()["invitation_token"], "password": password})
        if accepted.status_code != 200:
            sys.exit(f"accepting {email}'s invitation failed: {accepted.text}")
        created += 1
    print(f"  partner users: {created} created, {len(PARTNER_USERS) - created} already there")
    users = session.get(f"{gateway}/api/v1/admin/partner-users", timeout=10,
                        params={"org_id": org["id"], "limit": 200}).json()["items"]
    return org, {user["email"]: user for user in users}


def checked(response, what):
    if response.status_code not in (200, 201):
        sys.exit(f"{what} failed: {response.status_code} {response.text}")
    return response.json()


def find_by_name(session, path, name):
    """The record called ``name`` at ``path``, if a page of the name search holds it."""
    page = checked(session.get(f"{session.base}{path}", params={"q": name, "limit": 200},
                               timeout=10), f"searching {path}")
    return next((item for item in page["items"] if item["name"] == name), None)


def seed_pipeline(session, org, partner_users):
    """Customers served by the demo partner, their contacts, competitors and the
    partner's opportunities in several stages (one won, one lost), plus quotas. Each
    record is looked up by name first, so a second run creates nothing."""
    base = session.base
    rep = partner_users[PARTNER_USERS[1][1]]
    seed(session, "/api/v1/competitors", COMPETITORS)
    accounts = []
    for account, contacts in PARTNER_ACCOUNTS:
        found = find_by_name(session, "/api/v1/accounts", account["name"])
        if found is None:
            found = checked(session.post(f"{base}/api/v1/accounts", timeout=10, json={
                **account, "partner_org_ids": [org["id"]], "partner_user_id": rep["id"]}),
                f"creating {account['name']}")
            for contact in contacts:
                checked(session.post(f"{base}/api/v1/accounts/{found['id']}/contacts",
                                     json=contact, timeout=10), f"adding {contact['name']}")
        accounts.append(found)
    created = 0
    for index, name, amount, close, moves, lost_reason in PARTNER_OPPORTUNITIES:
        if find_by_name(session, "/api/v1/opportunities", name) is not None:
            continue
        opportunity = checked(session.post(f"{base}/api/v1/opportunities", timeout=10, json={
            "name": name, "account_id": accounts[index]["id"],
            "amount": {"amount": amount, "currency": "CNY"}, "expected_close_date": close,
            "partner_org_id": org["id"], "partner_user_id": rep["id"],
            "sales_method": "channel"}), f"creating {name}")
        for stage in moves:
            move = {"stage": stage}
            if stage == "lost":
                move["lost_reason"] = lost_reason
            checked(session.post(f"{base}/api/v1/opportunities/{opportunity['id']}/stage",
                                 json=move, timeout=10), f"moving {name} to {stage}")
        created += 1
    print(f"  opportunities: {created} created, "
          f"{len(PARTNER_OPPORTUNITIES) - created} already there")
    seed_leads(session, org)
    seed_price_list(session)
    quota = {"period": "2026-11", "partner_org_id": org["id"],
             "target": {"amount": "500000.00", "currency": "CNY"}}
    seed(session, "/api/v1/quotas", [quota])


def seed_price_list(session):
    """The gold partners' price list and its rules, unless a list of that name exists."""
    base = session.base
    page = checked(session.get(f"{base}/api/v1/price-lists", params={"limit": 200},
                               timeout=10), "listing price lists")
    if any(item["name"] == GOLD_PRICE_LIST["name"] for item in page["items"]):
        print("  price lists: 0 created, 1 already there")
        return
    price_list = checked(session.post(f"{base}/api/v1/price-lists", json=GOLD_PRICE_LIST,
                                      timeout=10), "creating the price list")
    for rule in GOLD_RULES:
        checked(session.post(f"{base}/api/v1/price-lists/{price_list['id']}/rules",
                             json=rule, timeout=10), "adding a price rule")
    print("  price lists: 1 created, 0 already there")


def seed_leads(session, org):
    """Pool leads, looked up by company first; the first one offered to the partner."""
    base = session.base
    created = 0
    for index, lead in enumerate(LEADS):
        page = checked(session.get(f"{base}/api/v1/leads", params={"q": lead["company"]},
                                   timeout=10), "searching leads")
        if any(item["company"] == lead["company"] for item in page["items"]):
            continue
        record = checked(session.post(f"{base}/api/v1/leads", json=lead, timeout=10),
                         f"creating the lead {lead['company']}")
        if index == 0:
            checked(session.post(f"{base}/api/v1/leads/{record['id']}/offers", timeout=10,
                                 json={"partner_org_id": org["id"]}), "offering a lead")
        created += 1
    print(f"  leads: {created} created, {len(LEADS) - created} already there")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for /readyz")
    args = parser.parse_args(argv)
    gateway = args.gateway.rstrip("/")
    if not wait_until_ready(gateway, args.wait):
        print(f"{gateway}/readyz did not answer 200 within {args.wait:g} s", file=sys.stderr)
        return 1
    print("Seeding demo data:")
    token = sign_in(gateway, *admin_credentials())
    session = api(gateway, token)
    seed(session, "/api/v1/products", PRODUCTS)
    seed(session, "/api/v1/accounts", ACCOUNTS)
    seed(session, "/api/v1/commission/periods", PERIODS)
    org, partner_users = seed_partner(session)
    seed_pipeline(session, org, partner_users)
    return 0


if __name__ == "__main__":
    sys.exit(main())
