"""``/metrics`` of the gateway, the portal and a service (its ops server on OPS_PORT=0)
count what happened, labelled by route template (never the raw path), RPC method and
outcome. Counters are per process, so each test compares before with after."""
import pytest
import requests
from identity.identity_support import Gateway
from nameko.standalone.rpc import ClusterRpcProxy
from prometheus_client.parser import text_string_to_metric_families

from opportunities.service import OpportunitiesService
from portal.app import create_app as create_portal

MISSING_ID = "0" * 24


def samples(text):
    """{(sample name, frozenset of labels): value} of a Prometheus text page."""
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(page, name, **labels):
    return page.get((name, frozenset(labels.items())), 0.0)


def ops_server(container):
    ops = next(d for d in container.dependencies if d.attr_name == "ops")
    return f"http://127.0.0.1:{ops.bound_port}"


@pytest.fixture
def opportunities(container_factory, service_config):
    container = container_factory(OpportunitiesService, {**service_config, "OPS_PORT": "0"})
    container.start()
    return container


def test_the_gateway_counts_requests_by_route_and_rpc_calls_by_outcome(
        gateway_app, opportunities):
    gateway = Gateway(gateway_app)
    token = gateway.admin_token
    before = samples(gateway.client.get("/metrics").get_data(as_text=True))

    missing = gateway.call("GET", f"/api/v1/opportunities/{MISSING_ID}", token)
    assert missing.status_code == 404
    listed = gateway.call("GET", "/api/v1/opportunities", token)
    assert listed.status_code == 200
    unavailable = gateway.call("GET", "/api/v1/leads", token)   # no leads service runs
    assert unavailable.status_code == 503

    page = gateway.client.get("/metrics")
    assert page.status_code == 200 and page.mimetype == "text/plain"
    text = page.get_data(as_text=True)
    after = samples(text)

    def more(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert more("sfa_http_requests_total", component="gateway", method="GET",
                route="/api/v1/opportunities/<opportunity_id>", status="404") == 1
    assert more("sfa_http_requests_total", component="gateway", method="GET",
                route="/api/v1/opportunities", status="200") == 1
    assert more("sfa_http_request_seconds_count", component="gateway", method="GET",
                route="/api/v1/opportunities/<opportunity_id>") == 1
    assert MISSING_ID not in text
    assert more("sfa_rpc_calls_total", service="opportunities", method="get_opportunity",
                outcome="remote_error") == 1
    assert more("sfa_rpc_calls_total", service="opportunities", method="list_opportunities",
                outcome="ok") == 1
    assert more("sfa_rpc_calls_total", service="leads", method="list_leads",
                outcome="unavailable") == 1
    assert more("sfa_rpc_call_seconds_count", service="opportunities",
                method="list_opportunities") == 1


def test_a_service_counts_its_entrypoint_calls_on_its_ops_server(opportunities, service_config):
    url = ops_server(opportunities)
    before = samples(requests.get(f"{url}/metrics", timeout=10).text)

    with ClusterRpcProxy(service_config, timeout=10) as rpc:
        assert rpc.opportunities.health()["status"] == "ok"
        with pytest.raises(Exception, match="NotFound|No opportunity"):
            rpc.opportunities.get_opportunity(MISSING_ID, {})

    answer = requests.get(f"{url}/metrics", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    after = samples(answer.text)
    for entrypoint, outcome in (("health", "ok"), ("get_opportunity", "expected_error")):
        labels = {"service": "opportunities", "entrypoint": entrypoint}
        assert (value(after, "sfa_entrypoint_calls_total", outcome=outcome, **labels)
                - value(before, "sfa_entrypoint_calls_total", outcome=outcome, **labels)) == 1
        assert (value(after, "sfa_entrypoint_seconds_count", **labels)
                - value(before, "sfa_entrypoint_seconds_count", **labels)) == 1


def test_the_portal_counts_requests_by_route(closed_port_url):
    portal = create_portal({"PORTAL_ENV": "testing", "GATEWAY_URL": closed_port_url,
                            "SECRET_KEY": "observability-tests"})
    client = portal.test_client()
    before = samples(client.get("/metrics").get_data(as_text=True))

    assert client.get(f"/opportunities/{MISSING_ID}").status_code == 302   # to sign in
    assert client.get("/readyz").status_code == 503                        # no gateway
    assert client.get("/no/such/page").status_code == 404

    text = client.get("/metrics").get_data(as_text=True)
    after = samples(text)

    def more(route, status):
        labels = {"component": "portal", "method": "GET", "route": route, "status": status}
        return (value(after, "sfa_http_requests_total", **labels)
                - value(before, "sfa_http_requests_total", **labels))

    assert more("/opportunities/<opportunity_id>", "302") == 1
    assert more("/readyz", "503") == 1
    assert more("<unmatched>", "404") == 1
    assert MISSING_ID not in text and "/no/such/page" not in text
