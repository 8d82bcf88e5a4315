"""Imports over the real broker: the RPC answers the running job at once, the rows land
in chunks, bad rows are reported by line and field, and importing the same file again
creates nothing."""
import io

import pytest
from leads_support import EVERYTHING, background, encoded
from openpyxl import Workbook

from sfa_common.errors import NotFound, ValidationFailed

CSV = ("公司,联系人,电话,邮箱,来源,地区\n"
       "北京华为技术有限公司,张三,13800138000,,网站,华北\n"
       ",李四,13900139000,,,华东\n"
       "Acme Ltd,Ann,not-a-phone,ann@acme.example,web,East\n"
       "Beta Co,Bob,+86 21 5555 0000,bob@beta.example,,\n"
       "Beta Co,Bob,+86 21 5555 0000,bob@beta.example,,\n")


@pytest.fixture
def service_config(service_config):
    return {**service_config, "LEAD_IMPORT_CHUNK": "2"}


def finished(leads, proxy, job, scope=EVERYTHING):
    background(leads).wait_all()
    return proxy.get_import(job["id"], scope)


def test_a_csv_import_reports_bad_rows_by_line_and_lands_the_good_ones(leads, proxy, clock):
    job = proxy.start_import("线索.csv", encoded(CSV.encode("gb18030")),
                             {"owner_id": "u7", "region": "默认"}, "u7")
    assert job["status"] == "running" and job["file_name"] == "线索.csv"
    done = finished(leads, proxy, job)
    assert {name: done[name] for name in ("status", "total", "processed", "created",
                                          "skipped_duplicates")} == {
        "status": "done", "total": 5, "processed": 5, "created": 2, "skipped_duplicates": 1}
    assert done["errors"] == [
        {"line": 3, "field": "company", "reason": "Missing data for required field."},
        {"line": 4, "field": "phone", "reason": "Not a valid phone number."}]
    assert done["created_by"] == "u7" and done["finished_at"] is not None
    imported = proxy.list_leads({"sort": "company"}, {"owner_id": "u7"})["items"]
    assert [(lead["company"], lead["source"], lead["region"]) for lead in imported] == [
        ("Beta Co", "import", "默认"), ("北京华为技术有限公司", "web", "华北")]


def test_importing_the_same_file_again_creates_nothing(leads, proxy, clock):
    content = encoded(CSV.encode("utf-8-sig"))
    finished(leads, proxy, proxy.start_import("a.csv", content, {}, "u7"))
    again = finished(leads, proxy, proxy.start_import("a-again.csv", content, {}, "u7"))
    assert (again["created"], again["skipped_duplicates"], len(again["errors"])) == (0, 3, 2)
    assert len(proxy.list_leads({}, EVERYTHING)["items"]) == 2


def test_an_xlsx_import(leads, proxy, clock):
    book = Workbook()
    for row in (["Company", "Contact", "Phone", "Industry"], ["Gamma", "Gil", 13700137000, "IT"],
                ["Delta", None, "x", None]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    done = finished(leads, proxy, proxy.start_import("leads.xlsx", encoded(buffer.getvalue()),
                                                     None, "u7"))
    assert (done["status"], done["created"]) == ("done", 1)
    assert done["errors"] == [{"line": 3, "field": "phone", "reason": "Not a valid phone number."}]
    lead = proxy.list_leads({}, EVERYTHING)["items"][0]
    assert (lead["company"], lead["phone"], lead["industry"]) == ("Gamma", "13700137000", "IT")


def test_an_unreadable_file_fails_the_job_with_the_reason(leads, proxy, clock):
    done = finished(leads, proxy, proxy.start_import("x.csv", encoded(b"name\nAcme\n"), {}, "u7"))
    assert done["status"] == "failed" and "company" in done["failure"]
    assert done["total"] == 0


def test_bad_requests_and_other_peoples_jobs(leads, proxy, clock):
    with pytest.raises(ValidationFailed) as raised:
        proxy.start_import("leads.txt", "!!!", {"source": "fax"}, "u7")
    assert set(raised.value.details) == {"file_name", "content_base64", "defaults.source"}
    job = finished(leads, proxy, proxy.start_import("a.csv", encoded(CSV.encode()), {}, "u7"))
    assert proxy.get_import(job["id"], {"created_by": "u7"})["id"] == job["id"]
    with pytest.raises(NotFound):
        proxy.get_import(job["id"], {"created_by": "someone-else"})
