"""A gateway refusal shown on the form that caused it. The portal's form fields carry
the gateway's field names, so a problem+json ``errors`` entry lands next to its field."""
from flask_babel import lazy_gettext as _

# The gateway refuses a request it understood but will not do with these; anything
# else (401, 403, 404, 5xx) goes to the app's error handlers.
FORM_PROBLEMS = (400, 409, 422)


def show_problem(form, refused, fallback=None):
    """The gateway's field errors next to their fields and the rest above the form. A
    refusal naming no field (a 409 about the record's state) goes on ``fallback``, the
    field it is about, when given."""
    shown = False
    for name, messages in refused.field_errors().items():
        if name in form and name != "csrf_token":
            form[name].errors = [*form[name].errors, *messages]
        else:
            form.form_errors.extend(messages)
        shown = True
    if shown:
        return
    message = refused.detail or refused.title
    if fallback is not None:
        fallback.errors = [*fallback.errors, message]
    else:
        form.form_errors.append(message)


STALE_CURSOR = _("This page link no longer fits the list. Start again from the first page.")


def show_list_problem(form, refused):
    """A list's filter form: a cursor the gateway refuses (issued for another sort, or
    mangled) is the page link's fault, not a filter's."""
    if "cursor" in refused.field_errors():
        form.form_errors.append(STALE_CURSOR)
    else:
        show_problem(form, refused)
