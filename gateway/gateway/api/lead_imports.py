"""Lead imports: /api/v1/lead-imports. Upload a CSV (UTF-8, UTF-8 with BOM or GB18030)
or XLSX file of leads; the leads service imports it in the background and the job
tells its progress and the rows it refused (by the file's line number, the header
being line 1). ``scripts/import_leads.py`` is the command-line client.
"""
import base64
import binascii

from flask import g, request
from flask_smorest.fields import Upload
from marshmallow import ValidationError

from sfa_common.contracts.leads import (
    MAX_IMPORT_BYTES,
    ImportDefaultsSchema,
    ImportJobSchema,
    ImportStartSchema,
)
from sfa_common.errors import NotFound, ValidationFailed

from ..scopes import owned_new_record, require
from ..services import call
from . import Blueprint
from .directory import holds_all, partner_org

blp = Blueprint("lead_imports", __name__, url_prefix="/api/v1/lead-imports",
                description="Lead imports from CSV and XLSX files")


class ImportUploadSchema(ImportDefaultsSchema):
    """The multipart form: the file, and the defaults as form fields."""

    file = Upload(required=True, metadata={"description": "a .csv or .xlsx file of leads"})


def _upload():
    """A multipart upload as the JSON body it stands for (``file`` named on errors)."""
    upload = request.files.get("file")
    extra = set(request.files) - {"file"}
    if upload is None or extra:
        errors = {"file": ["Send the file as the form field 'file'."]} if upload is None \
            else {name: ["Unknown field."] for name in sorted(extra)}
        raise ValidationFailed("The request has invalid fields.", errors)
    content = upload.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed("The file is too large.", {
            "file": [f"At most {MAX_IMPORT_BYTES // (1024 * 1024)} MiB."]})
    body = {"file_name": upload.filename or "", "defaults": request.form.to_dict(),
            "content_base64": base64.b64encode(content).decode("ascii")}
    try:
        return ImportStartSchema().load(body)
    except ValidationError as error:
        problems = ValidationFailed.from_marshmallow(error).details
        renamed = {("file" if name in ("file_name", "content_base64") else
                    name.removeprefix("defaults.")): messages
                   for name, messages in problems.items()}
        raise ValidationFailed("The request has invalid fields.", renamed) from None


def _json_body():
    try:
        body = ImportStartSchema().load(request.get_json(silent=True) or {})
        base64.b64decode(body["content_base64"], validate=False)
    except ValidationError as error:
        raise ValidationFailed.from_marshmallow(error) from None
    except binascii.Error:
        raise ValidationFailed("The request has invalid fields.",
                               {"content_base64": ["Not base64."]}) from None
    return body


def _defaults(defaults):
    """The rows' defaults, stamped like a new lead of the importer's: theirs unless
    they name another owner their create scope allows, with the owner's department."""
    schema = ImportDefaultsSchema()
    defaults = schema.dump(schema.load(schema.dump(defaults)))   # with every default filled
    if defaults.get("partner_org_id"):
        partner_org(defaults["partner_org_id"], "partner_org_id")
    record = owned_new_record("lead", defaults, owner_department=True)
    return {key: record.get(key) for key in ImportDefaultsSchema().fields}


@blp.route("", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {
    "multipart/form-data": {"schema": ImportUploadSchema},
    "application/json": {"schema": ImportStartSchema}}})
@blp.replies(202, ImportJobSchema)
def start_import():
    """Import leads from a file

    Send the file as multipart form data (field `file`, the defaults as other form
    fields) or as JSON (`file_name`, `content_base64`, `defaults`). The answer is the
    job at once (202); follow it with GET /api/v1/lead-imports/{id}. Rows get the
    defaults where they name nothing, and the importer as owner unless the defaults
    name another one the importer may create leads for. A row imported before (the same
    values) is skipped, so importing a file twice creates nothing new."""
    require("lead", "create")
    body = _upload() if request.mimetype == "multipart/form-data" else _json_body()
    defaults = _defaults(body.get("defaults") or {})
    return call("leads", "start_import", body["file_name"], body["content_base64"],
                defaults, g.subject.user_id)


@blp.route("/<import_id>", methods=["GET"])
@blp.replies(200, ImportJobSchema)
def get_import(import_id):
    """An import's progress and the rows it refused

    Your own imports; sales operations and admins see everyone's."""
    if g.subject.is_partner:
        raise NotFound(f"No import {import_id!r}.")
    actor_scope = {} if holds_all("lead", "create") else {"created_by": g.subject.user_id}
    return call("leads", "get_import", import_id, actor_scope)
