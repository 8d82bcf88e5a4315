"""Lead imports through the gateway: a CSV or XLSX file uploaded as multipart form data
or as JSON, the job's progress and per-row errors, a second import of the same file
creating nothing, who may import and see a job, and scripts/import_leads.py driving
it all (the leads service a real container on the real broker)."""
import base64
import importlib.util
import io

import openpyxl
import pytest
from identity.identity_support import PASSWORD, assert_problem
from support import ROOT, stored

from leads.service import LeadsService

CSV = ("公司,联系人,电话,邮箱,地区,行业,备注\n"
       "上海浦江物流股份有限公司,王经理,021-5555-0101,wang@pujiang.example,华东,物流,\n"
       ",没有公司,021-5555-0102,,华东,物流,\n"
       "北京华辰科技有限公司,周工,not a phone,,华北,制造业,\n"
       "杭州西溪数据服务有限公司,陈经理,,chen@xixi.example,华东,软件,老客户介绍\n")
GOOD_ROWS = 2
BAD_LINES = [(3, "company"), (4, "phone")]
MAX_POLLS = 500


@pytest.fixture
def leads(start_service):
    return start_service(LeadsService)


def finished(people, who, job):
    """Follow the job until the service is done with it (each poll is an RPC, which
    lets the import's greenthread run in between)."""
    for _ in range(MAX_POLLS):
        if job["status"] != "running":
            return job
        reply = people.call(who, "GET", f"/api/v1/lead-imports/{job['id']}")
        assert reply.status_code == 200, reply.get_json()
        job = reply.get_json()
    raise AssertionError(f"the import is still running: {job}")


def upload(people, who, name, content, **form):
    return people.call(who, "POST", "/api/v1/lead-imports",
                       data={"file": (io.BytesIO(content), name), **form},
                       content_type="multipart/form-data")


def xlsx(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_csv_upload_imports_the_good_rows_and_reports_the_bad_by_line(leads, people):
    started = upload(people, "rep1", "leads.csv", CSV.encode("utf-8-sig"), region="华东")
    assert started.status_code == 202, started.get_json()
    job = finished(people, "rep1", started.get_json())
    assert (job["status"], job["total"], job["processed"], job["created"],
            job["skipped_duplicates"]) == ("done", 4, 4, GOOD_ROWS, 0)
    assert [(error["line"], error["field"]) for error in job["errors"]] == BAD_LINES
    assert job["created_by"] == people.ids["rep1"]

    imported = people.call("rep1", "GET", "/api/v1/leads?sort=company").get_json()["items"]
    assert len(imported) == GOOD_ROWS
    assert {(item["owner_id"], item["department_id"], item["source"]) for item in imported} == \
        {(people.ids["rep1"], people.department, "import")}

    # The same file again: nothing new, the rows counted as imported before.
    again = finished(people, "rep1", upload(people, "rep1", "leads.csv",
                                            CSV.encode("utf-8-sig"), region="华东").get_json())
    assert (again["created"], again["skipped_duplicates"]) == (0, GOOD_ROWS)
    assert stored(leads, "leads").count_documents({}) == GOOD_ROWS


def test_json_uploads_gb18030_and_xlsx(leads, people):
    bare = people.call("rep2", "POST", "/api/v1/lead-imports", json={
        "file_name": "one.csv", "content_base64": base64.b64encode(b"company\nA\n").decode()})
    assert bare.status_code == 202, bare.get_json()
    assert finished(people, "rep2", bare.get_json())["created"] == 1
    body = {"file_name": "leads.csv",
            "content_base64": base64.b64encode(CSV.encode("gb18030")).decode(),
            "defaults": {"source": "event", "owner_id": people.ids["rep2"]}}
    started = people.call("ops", "POST", "/api/v1/lead-imports", json=body)
    assert started.status_code == 202, started.get_json()
    job = finished(people, "ops", started.get_json())
    assert (job["created"], [(e["line"], e["field"]) for e in job["errors"]]) == \
        (GOOD_ROWS, BAD_LINES)
    owners = [(item["company"], item["owner_id"], item["source"]) for item in
              people.call("rep2", "GET", "/api/v1/leads?sort=company").get_json()["items"]]
    assert owners == [("A", people.ids["rep2"], "import")] + [
        (company, people.ids["rep2"], "event") for company in
        ("上海浦江物流股份有限公司", "杭州西溪数据服务有限公司")]

    book = xlsx([["company", "contact", "phone"],
                 ["苏州精密制造有限公司", "吴总", "0512-6600-7788"],
                 ["南京新街口百货", None, None]])
    job = finished(people, "ops", upload(people, "ops", "leads.xlsx", book).get_json())
    assert (job["status"], job["created"], job["errors"]) == ("done", 2, [])


@pytest.mark.parametrize("request_kwargs, field", [
    ({"json": {"file_name": "leads.txt", "content_base64": "YQ=="}}, "file_name"),
    ({"json": {"file_name": "leads.csv", "content_base64": "not base64!"}}, "content_base64"),
    ({"json": {"file_name": "leads.csv"}}, "content_base64"),
    ({"json": {"file_name": "leads.csv", "content_base64": "YQ==",
               "defaults": {"colour": "red"}}}, "defaults.colour"),
    ({"data": {"other": (io.BytesIO(b"x"), "x.csv")}, "content_type": "multipart/form-data"},
     "file"),
    ({"data": {"file": (io.BytesIO(b"a,b"), "leads.pdf")}, "content_type": "multipart/form-data"},
     "file"),
    ({"data": {"file": (io.BytesIO(b"a,b"), "leads.csv"), "source": "fax"},
      "content_type": "multipart/form-data"}, "source"),
])
def test_bad_uploads_are_400_naming_the_field(leads, people, request_kwargs, field):
    assert_problem(people.call("rep1", "POST", "/api/v1/lead-imports", **request_kwargs), 400,
                   field)
    assert stored(leads, "lead_imports").count_documents({}) == 0


def test_who_may_import_and_follow_a_job(leads, people):
    assert_problem(upload(people, "pa1", "leads.csv", CSV.encode()), 403)
    assert_problem(upload(people, "nobody", "leads.csv", CSV.encode()), 403)
    # A rep imports for themselves only; sales ops for anyone.
    assert_problem(upload(people, "rep1", "leads.csv", CSV.encode(),
                          owner_id=people.ids["rep2"]), 403, "owner_id")
    job = upload(people, "rep1", "leads.csv", CSV.encode()).get_json()
    finished(people, "rep1", job)
    path = f"/api/v1/lead-imports/{job['id']}"
    for who in ("rep2", "pa1", "aa", "nobody"):
        assert_problem(people.call(who, "GET", path), 404)
    assert people.call("ops", "GET", path).status_code == 200
    assert_problem(people.call("rep1", "GET", "/api/v1/lead-imports/0123456789abcdef01234567"),
                   404)


def load_cli():
    spec = importlib.util.spec_from_file_location("import_leads",
                                                  ROOT / "scripts" / "import_leads.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Reply:
    """What the script reads of a requests.Response, from a Flask test response."""

    def __init__(self, response):
        self.status_code = response.status_code
        self._body = response.get_json()

    def json(self):
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


class GatewaySession:
    """The script's HTTP session, over the gateway's test client."""

    def __init__(self, client, base):
        self.client, self.base = client, base

    def post(self, url, json=None, headers=None, files=None, timeout=None):
        path = url.removeprefix(self.base)
        if files:
            data = {name: (io.BytesIO(handle.read()), filename)
                    for name, (filename, handle) in files.items()}
            return Reply(self.client.post(path, data=data, headers=headers,
                                          content_type="multipart/form-data"))
        return Reply(self.client.post(path, json=json, headers=headers))

    def get(self, url, headers=None, timeout=None):
        return Reply(self.client.get(url.removeprefix(self.base), headers=headers))


def test_the_cli_uploads_follows_and_reports(leads, people, tmp_path):
    cli = load_cli()
    path = tmp_path / "leads.csv"
    path.write_bytes(CSV.encode("utf-8"))
    out = io.StringIO()
    base = "http://gateway.test"
    session = GatewaySession(people.driver.client, base)
    status = cli.main([str(path), "--gateway", base, "--interval", "0"], session=session,
                      environ={"SFA_EMAIL": "ops@internal.example", "SFA_PASSWORD": PASSWORD},
                      sleep=lambda seconds: None, out=out)
    report = out.getvalue()
    assert status == 2, report
    assert f"{GOOD_ROWS} created" in report and "2 refused" in report
    lines = [line.split() for line in report.splitlines()]
    assert ["3", "company"] in [line[:2] for line in lines]
    assert ["4", "phone"] in [line[:2] for line in lines]
    assert "Importing" in report       # the progress bar

    # Again: every row is already there, none refused twice as created.
    out = io.StringIO()
    asked = []
    status = cli.main([str(path), "--gateway", base], session=session, environ={},
                      ask_email=lambda prompt: asked.append(prompt) or "ops@internal.example",
                      ask_password=lambda prompt: PASSWORD, sleep=lambda seconds: None, out=out)
    assert status == 2 and asked == ["Email: "]
    assert f"0 created, {GOOD_ROWS} already imported" in out.getvalue()

    out = io.StringIO()
    status = cli.main([str(path), "--gateway", base], session=session,
                      environ={"SFA_EMAIL": "ops@internal.example", "SFA_PASSWORD": "wrong"},
                      sleep=lambda seconds: None, out=out)
    assert status == 1 and "Sign-in failed" in out.getvalue()
    assert stored(leads, "leads").count_documents({}) == GOOD_ROWS
