"""The configurator's one form: product lines (a SKU chooser and a quantity each, ids
``sku-<n>`` and ``quantity-<n>`` from 0), the opportunity a quote is asked for, and
three buttons named ``action`` (price the basket, add a line, request a quote). A line
with neither product nor quantity is left out; half a line is an error next to it.
Messages are lazy and named ``_`` so pybabel extracts them."""
import hashlib
import json
import secrets
from decimal import Decimal

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import DecimalField, FieldList, Form, FormField, HiddenField, SelectField
from wtforms.validators import Optional, ValidationError

from ..opportunities.forms import choices

EMPTY_LINES = 3      # rows shown to start with: enough to configure without JavaScript
MAX_LINES = 50       # what one page's form carries; the gateway allows far more
MAX_QUANTITY = Decimal("1000000")
QUANTITY_PLACES = 4  # a quantity may be fractional (hours, metres), not finer than this
DEFAULT_CURRENCY = "CNY"


def positive_quantity(form, field):
    if field.data is None:
        return
    if not field.data.is_finite():
        raise ValidationError(_("Not a valid quantity."))
    if field.data <= 0:
        raise ValidationError(_("More than zero."))
    if field.data > MAX_QUANTITY:
        raise ValidationError(_("At most %(max)s.", max=f"{MAX_QUANTITY:,}"))
    if -field.data.as_tuple().exponent > QUANTITY_PLACES:
        raise ValidationError(_("At most %(places)d decimal places.", places=QUANTITY_PLACES))


class BasketLineForm(Form):
    """One row. Its fields' ids are set by ``ConfiguratorForm`` (``sku-<n>``)."""
    sku = SelectField(validate_choice=True, default="")
    quantity = DecimalField(places=None, validators=[Optional(), positive_quantity])

    @property
    def given(self):
        """Something was chosen or typed in this row."""
        typed = (self.quantity.raw_data or [""])[0]
        return bool(self.sku.data) or bool(str(typed).strip())

    def line(self):
        return {"sku": self.sku.data, "quantity": str(self.quantity.data)}


class ConfiguratorForm(FlaskForm):
    lines = FieldList(FormField(BasketLineForm), min_entries=EMPTY_LINES,
                      max_entries=MAX_LINES)
    opportunity_id = SelectField(id="opportunity", validate_choice=True, default="")
    # Random per page shown: with the request's content, the quote request's
    # Idempotency-Key, so the same form sent twice asks for one quote.
    form_key = HiddenField(default=lambda: secrets.token_urlsafe(16))

    def __init__(self, products, opportunities, **kwargs):
        super().__init__(**kwargs)
        self.products = {product["sku"]: product for product in products}
        self.product_choices = choices([
            ("", _("Choose a product")),
            *((sku, f"{sku} · {product.get('name') or ''}")
              for sku, product in self.products.items())])
        self.opportunity_id.choices = choices([
            ("", _("Choose an open opportunity")),
            *((deal["id"], f"{deal.get('name')} · {deal.get('account_name') or ''}")
              for deal in opportunities)])
        self._name_rows()

    def _name_rows(self):
        for n, entry in enumerate(self.lines):
            entry.sku.id, entry.quantity.id = f"sku-{n}", f"quantity-{n}"
            entry.sku.choices = self.product_choices

    def add_line(self):
        """One more empty row, up to ``MAX_LINES``; False when full."""
        if len(self.lines) >= MAX_LINES:
            return False
        self.lines.append_entry()
        self._name_rows()
        return True

    def filled(self):
        """[(row number, row)] of the rows with something in them, in order."""
        return [(n, entry.form) for n, entry in enumerate(self.lines) if entry.form.given]

    def validate_basket(self):
        """The rows are complete and at least one is given (CSRF checked too)."""
        valid = self.validate_on_submit()
        rows = self.filled()
        for _n, row in rows:
            if not row.sku.data and not row.sku.errors:
                row.sku.errors = [*row.sku.errors, _("Choose a product.")]
                valid = False
            if row.quantity.data is None and not row.quantity.errors:
                row.quantity.errors = [*row.quantity.errors, _("Give a quantity.")]
                valid = False
        if not rows:
            self.form_errors.append(_("Choose at least one product and its quantity."))
            valid = False
        return valid

    def validate_quote_request(self):
        valid = self.validate_basket()
        if not self.opportunity_id.data and not self.opportunity_id.errors:
            self.opportunity_id.errors = [_("Choose the opportunity to quote for.")]
            valid = False
        return valid

    def basket(self):
        """The gateway's basket body, and the row number of each of its lines. The
        currency is the first product's (a basket in two currencies is refused, naming
        the line)."""
        rows = self.filled()
        first = self.products.get(rows[0][1].sku.data) if rows else None
        currency = ((first or {}).get("list_price") or {}).get("currency") or DEFAULT_CURRENCY
        return ({"lines": [row.line() for _n, row in rows], "currency": currency},
                [n for n, _row in rows])

    def quote_request(self):
        """The gateway's quote request body, and the row number of each line."""
        basket, rows = self.basket()
        return {"opportunity_id": self.opportunity_id.data, "lines": basket["lines"]}, rows

    def idempotency_key(self, body):
        """This page's key and a digest of what it asks: a double submit repeats the
        key, a changed basket (the browser's back button) makes a new one."""
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]
        key = "".join(c for c in str(self.form_key.data or "") if c.isalnum() or c in "-_")
        return f"{key[:40] or secrets.token_urlsafe(16)}:{digest}"
