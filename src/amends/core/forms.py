"""What every app's forms share."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting


def errors_onto(
    form: forms.BaseForm,
    error: ValidationError,
    names: dict[str, str] | Callable[[str], str] | None = None,
    *,
    rest_on_form: bool = True,
) -> list[str]:
    """Put a service's refusal on the form's fields, each key renamed through
    ``names`` first (a mapping or a function). What names no field goes on the form
    as a whole, or, with ``rest_on_form=False``, is returned for the page to show."""
    rename = names if callable(names) else (names or {}).get
    rest: list[str] = []
    for key, messages in getattr(error, "message_dict", {"__all__": error.messages}).items():
        field = rename(key) or key
        if field in form.fields:
            form.add_error(field, messages)
        elif rest_on_form:
            form.add_error(None, messages)
        else:
            rest.extend(messages)
    return rest


class FormRenderer(TemplatesSetting):
    """Every form and field in Amends' look, from the project's templates: ``{{ form }}``
    renders core/form_fields.html, ``{{ field.as_field_group }}`` core/field.html."""

    form_template_name = "core/form_fields.html"
    field_template_name = "core/field.html"
