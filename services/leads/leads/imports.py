"""Lead imports (pure, no I/O beyond reading the bytes handed in).

A file is CSV (UTF-8, UTF-8 with a BOM, or GB18030, as Excel in China saves it) or XLSX.
Its first line names the columns, in English or Chinese; each further line is a lead,
validated with ``LeadCreateSchema`` after the import's defaults are filled in. Errors
name the file's own line (the header is line 1) and the field. A row is identified by
the fingerprint of its normalised values, so importing the same file again finds its
rows already there.
"""
import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field

from marshmallow import ValidationError

from sfa_common.company_names import normalise_company_name
from sfa_common.contracts.leads import LeadCreateSchema
from sfa_common.errors import flatten_messages

from .duplicates import email_key, phone_key

# Column names (case and surrounding spaces ignored) -> lead fields.
HEADERS = {
    "company": "company", "公司": "company", "公司名称": "company", "客户名称": "company",
    "contact": "contact_name", "contact_name": "contact_name", "联系人": "contact_name",
    "phone": "phone", "电话": "phone", "手机": "phone", "联系电话": "phone",
    "email": "email", "邮箱": "email", "电子邮箱": "email",
    "source": "source", "来源": "source",
    "region": "region", "地区": "region",
    "industry": "industry", "行业": "industry",
    "notes": "notes", "备注": "notes",
}
# Sources written in Chinese -> the contract's words.
SOURCES = {"网站": "web", "官网": "web", "电话": "phone", "活动": "event", "展会": "event",
           "推荐": "referral", "转介绍": "referral", "渠道": "partner", "伙伴": "partner",
           "市场活动": "campaign", "导入": "import", "其他": "other"}
FINGERPRINTED = ("company", "contact_name", "phone", "email", "source", "region", "industry",
                 "notes")


class FileError(ValueError):
    """The file as a whole cannot be read (not CSV/XLSX, no company column, ...)."""


@dataclass
class Row:
    line: int
    values: dict          # lead field -> text (None when blank)


@dataclass
class Parsed:
    rows: list = field(default_factory=list)   # [Row], blank lines left out
    ignored_columns: list = field(default_factory=list)


def _cell(value):
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _columns(header):
    """Lead field per column (None for a column we do not know)."""
    columns = [HEADERS.get((_cell(name) or "").casefold()) for name in header]
    known = [name for name in columns if name]
    if "company" not in known:
        raise FileError("The first line must name the columns and one of them must be the "
                        "company (company / 公司).")
    repeated = {name for name in known if known.count(name) > 1}
    if repeated:
        raise FileError(f"Columns named twice: {', '.join(sorted(repeated))}.")
    return columns


def _rows(lines):
    """``Parsed`` from an iterable of ``(line number, cells)``, the header first."""
    lines = iter(lines)
    try:
        _, header = next(lines)
    except StopIteration:
        raise FileError("The file is empty.") from None
    columns = _columns(header)
    parsed = Parsed(ignored_columns=[_cell(name) for name, column in zip(header, columns,
                                                                        strict=False)
                                     if column is None and _cell(name)])
    for line, cells in lines:
        values = {column: _cell(cell) for column, cell in zip(columns, cells, strict=False)
                  if column}
        if any(values.values()):
            parsed.rows.append(Row(line, values))
    return parsed


def decode_text(content):
    """The text of a CSV file: UTF-8 (a BOM is dropped), else GB18030."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise FileError("The file is neither UTF-8 nor GB18030 text.") from None


def parse_csv(content):
    text = decode_text(content)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        # The reader's line_num after a record is the file line it ended on; a quoted
        # cell may span lines, so the record starts after the previous one ended.
        def numbered():
            ended = 0
            for cells in reader:
                yield ended + 1, cells
                ended = reader.line_num
        return _rows(numbered())
    except csv.Error as error:
        raise FileError(f"Not a readable CSV file: {error}.") from None


def parse_xlsx(content):
    """The first worksheet; cell values as text (numbers as Excel shows them plainly)."""
    from openpyxl import load_workbook  # only imports need it

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise FileError(f"Not a readable XLSX file: {error}.") from None
    try:
        sheet = workbook.worksheets[0]
        return _rows((number, [_xlsx_text(value) for value in cells])
                     for number, cells in enumerate(sheet.iter_rows(values_only=True), 1))
    finally:
        workbook.close()


def _xlsx_text(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))   # a phone typed as a number: 13800138000.0 -> 13800138000
    return value


def parse(file_name, content):
    if file_name.lower().endswith(".xlsx"):
        return parse_xlsx(content)
    if file_name.lower().endswith(".csv"):
        return parse_csv(content)
    raise FileError("Only .csv and .xlsx files can be imported.")


def validate_row(row, defaults):
    """``(lead, errors)``: the lead to create from ``row`` (None when it has errors) and
    ``[{line, field, reason}]``."""
    values = {name: value for name, value in row.values.items() if value is not None}
    if "source" in values:
        values["source"] = SOURCES.get(values["source"], values["source"].casefold())
    payload = {**{name: value for name, value in defaults.items() if value is not None},
               **values}
    try:
        lead = LeadCreateSchema().load(payload)
    except ValidationError as error:
        return None, [{"line": row.line, "field": name, "reason": "; ".join(reasons)}
                      for name, reasons in sorted(flatten_messages(error.messages).items())]
    return lead, []


def fingerprint(row):
    """The sha256 of the row's normalised values: the same row imported again (or twice
    in one file) has the same fingerprint."""
    values = row.values
    normalised = {
        "company": normalise_company_name(values.get("company")),
        "phone": phone_key(values.get("phone")),
        "email": email_key(values.get("email")),
        **{name: (values.get(name) or "").casefold() or None
           for name in FINGERPRINTED if name not in ("company", "phone", "email")},
    }
    encoded = json.dumps(normalised, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()
