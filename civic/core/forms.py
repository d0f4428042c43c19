"""Form base class and validators shared by every domain.

Every string a form receives is normalised to NFC before validation, so text typed on
a phone that sends decomposed Vietnamese is stored like any other.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

from civic.core.phone import InvalidPhone, normalize_phone
from civic.core.text import nfc


class _TranslatedCSRF(_FlaskFormCSRF):
    """Flask-WTF raises its CSRF messages untranslated ("The CSRF token is missing."); show them
    through the "wtforms" domain like every other built-in message."""

    def validate_csrf_token(self, form, field):
        try:
            super().validate_csrf_token(form, field)
        except ValidationError as exc:
            raise ValidationError(field.gettext(str(exc.args[0]))) from exc


def _nfc_filter(value):
    if isinstance(value, str):
        return nfc(value).strip()
    if isinstance(value, list):
        return [nfc(v) if isinstance(v, str) else v for v in value]
    return value


class CivicForm(FlaskForm):
    """FlaskForm (CSRF on) whose string inputs are NFC-normalised and stripped."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        csrf_field = self._fields.get("csrf_token")
        if csrf_field is not None:
            # No id on the hidden token: pages with several forms would repeat id="csrf_token" (invalid HTML).
            csrf_field.id = False

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # The class-level unbound field is shared by every instance: build the filters per
            # bind instead of prepending to its kwargs (which grew by one filter per form made).
            filters = unbound_field.kwargs.get("filters", ())
            return unbound_field.bind(form=form, **options, filters=(_nfc_filter, *filters))

        csrf_class = _TranslatedCSRF

        def get_translations(self, form):
            # WTForms' own messages ("This field is required.") in the request's locale, from the
            # "wtforms" domain: WTForms' shipped catalogues merged with ours (vi). The merged
            # catalogue object itself, not Flask-Babel's gettext, which would %-format too early.
            from civic.extensions import wtforms_domain

            return wtforms_domain.get_translations()


class PhoneNumber:
    """Validates a Vietnamese phone number and replaces the field's data with E.164."""

    def __init__(self, message=None, optional: bool = True):
        self.message = message
        self.optional = optional

    def __call__(self, form, field):
        if not field.data:
            if self.optional:
                field.data = None
                return
            raise ValidationError(self.message or _l("Enter a phone number."))
        try:
            field.data = normalize_phone(field.data)
        except InvalidPhone as exc:
            raise ValidationError(
                self.message or _l("This is not a valid Vietnamese phone number (for example 0912 345 678).")
            ) from exc


def first_error(form) -> str | None:
    """The first error message of a form, for flashing or JSON."""
    for field_errors in form.errors.values():
        if isinstance(field_errors, dict):
            for nested in field_errors.values():
                if nested:
                    return str(nested[0])
        elif field_errors:
            return str(field_errors[0])
    return None


def options(pairs) -> list[SelectChoice]:
    """A select's or radio group's choices from ``(value, label)`` pairs (WTForms' SelectChoice)."""
    return [pair if isinstance(pair, SelectChoice) else SelectChoice(pair[0], pair[1]) for pair in pairs]
