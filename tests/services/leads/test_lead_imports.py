"""Lead imports (pure): encodings, XLSX, Chinese headers, line numbers, row errors and
fingerprints."""
import io

import pytest
from openpyxl import Workbook

from leads import imports

CSV = ("company,contact,phone,email,source,region\n"
       "Acme Ltd,Ann,+86 10 1234 5678,ann@acme.example,web,East\n"
       ",Bob,12345678,,web,East\n"
       "\n"
       "Beta Co,Cid,not-a-phone,bad-email,fax,West\n"
       "\"Gamma\nGroup\",Dee,,,,\n"
       "Delta,Eve,,,,\n")


def xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_csv_rows_keep_the_files_line_numbers_and_blank_lines_are_skipped():
    parsed = imports.parse("leads.csv", CSV.encode())
    assert [row.line for row in parsed.rows] == [2, 3, 5, 6, 8]
    assert parsed.rows[0].values == {
        "company": "Acme Ltd", "contact_name": "Ann", "phone": "+86 10 1234 5678",
        "email": "ann@acme.example", "source": "web", "region": "East"}
    assert parsed.rows[3].values["company"] == "Gamma\nGroup"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_headers_in_every_encoding_excel_saves(encoding):
    text = ("公司,联系人,电话,邮箱,来源,地区,行业,备注\n"
            "北京华为技术有限公司,张三,13800138000,,网站,华北,通信,重点\n")
    parsed = imports.parse("线索.CSV", text.encode(encoding))
    assert parsed.rows[0].values == {
        "company": "北京华为技术有限公司", "contact_name": "张三", "phone": "13800138000",
        "email": None, "source": "网站", "region": "华北", "industry": "通信", "notes": "重点"}
    lead, errors = imports.validate_row(parsed.rows[0], {"source": "import"})
    assert errors == []
    assert lead["source"] == "web"


def test_xlsx_reads_the_first_sheet_with_numbers_as_text():
    content = xlsx([["Company", "Phone", "Colour"], ["Acme", 13800138000, "red"],
                    [None, None, None], ["", 12345678, None]])
    parsed = imports.parse("leads.xlsx", content)
    assert parsed.ignored_columns == ["Colour"]
    assert [(row.line, row.values) for row in parsed.rows] == [
        (2, {"company": "Acme", "phone": "13800138000"}),
        (4, {"company": None, "phone": "12345678"})]


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("leads.csv", b"name,phone\nAcme,123\n", "company"),
    ("leads.csv", b"", "empty"),
    ("leads.csv", b"company,\xe5\x85\xac\xe5\x8f\xb8\nA,B\n", "twice"),
    ("leads.xlsx", b"not a zip", "XLSX"),
    ("leads.csv", b"\xff\xfe\x00company", "UTF-8"),
])
def test_an_unreadable_file_is_a_file_error(name, content, problem):
    with pytest.raises(imports.FileError, match=problem):
        imports.parse(name, content)


def test_row_errors_name_the_line_and_the_field_and_defaults_fill_in():
    parsed = imports.parse("leads.csv", CSV.encode())
    defaults = {"source": "import", "region": "North", "owner_id": "u9"}
    results = [imports.validate_row(row, defaults) for row in parsed.rows]
    lead, errors = results[0]
    assert errors == [] and lead["owner_id"] == "u9" and lead["region"] == "East"
    assert results[1] == (None, [{"line": 3, "field": "company",
                                  "reason": "Missing data for required field."}])
    _, errors = results[2]
    assert {(error["line"], error["field"]) for error in errors} == {
        (5, "email"), (5, "phone"), (5, "source")}
    lead, errors = results[4]
    assert errors == [] and lead["source"] == "import" and lead["region"] == "North"


def test_the_same_row_has_the_same_fingerprint_however_it_is_written():
    first = imports.Row(2, {"company": "ACME Ltd.", "phone": "+86 10 1234 5678",
                            "email": "Ann@Acme.example"})
    again = imports.Row(9, {"company": "acme", "phone": "+861012345678",
                            "email": "ann@acme.example"})
    other = imports.Row(3, {"company": "acme", "phone": "+861012345679"})
    assert imports.fingerprint(first) == imports.fingerprint(again)
    assert imports.fingerprint(first) != imports.fingerprint(other)
