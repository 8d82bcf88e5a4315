"""``quota_targets(period)`` over AMQP: what commission reads to measure attainment."""
import pytest
from opportunities_support import cny

from sfa_common.errors import ValidationFailed


def test_every_target_of_the_period_and_only_that_period(proxy):
    proxy.create_quota({"period": "2026-11", "target": cny("10000.00"), "owner_id": "u1",
                        "department_id": "d1"})
    proxy.create_quota({"period": "2026-11", "target": cny("6000.00"),
                        "partner_org_id": "p1"})
    proxy.create_quota({"period": "2026-12", "target": cny("1.00"), "owner_id": "u1"})
    assert proxy.quota_targets("2026-11") == [
        {"owner_id": "u1", "partner_org_id": None, "target": cny("10000.00")},
        {"owner_id": None, "partner_org_id": "p1", "target": cny("6000.00")}]
    assert proxy.quota_targets("2027-01") == []


@pytest.mark.parametrize("period", ["2026-13", "", None, {"$ne": None}, ["2026-11"]])
def test_a_malformed_period_is_refused_naming_it(proxy, period):
    with pytest.raises(ValidationFailed) as raised:
        proxy.quota_targets(period)
    assert set(raised.value.details) == {"period"}
