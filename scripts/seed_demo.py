"""Seed demo data through the gateway's API, idempotently: a record that is
already there (409) is left as it is, so running this twice changes nothing.

    python scripts/seed_demo.py --gateway http://127.0.0.1:8000 --wait 90
"""
import argparse
import sys
import time

import requests

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


def seed(gateway, path, records):
    created = 0
    for record in records:
        response = requests.post(f"{gateway}{path}", json=record, timeout=10)
        if response.status_code == 201:
            created += 1
        elif response.status_code != 409:
            sys.exit(f"seeding {path} failed: {response.status_code} {response.text}")
    print(f"  {path}: {created} created, {len(records) - created} already there")


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
    seed(gateway, "/api/v1/products", PRODUCTS)
    seed(gateway, "/api/v1/accounts", ACCOUNTS)
    seed(gateway, "/api/v1/commission/periods", PERIODS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
