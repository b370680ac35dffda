"""One adapter from a service's refusal to a form's errors."""

from django import forms
from django.core.exceptions import ValidationError

from amends.core.forms import errors_onto


class NoteForm(forms.Form):
    title = forms.CharField()
    message = forms.CharField()


def _bound():
    form = NoteForm({"title": "x", "message": "y"})
    assert form.is_valid()
    return form


def test_it_puts_each_refusal_on_its_field_and_the_rest_on_the_form():
    form = _bound()
    rest = errors_onto(form, ValidationError({"title": "Too short.", "owner": "Not a member."}))
    assert rest == []
    assert form.errors["title"] == ["Too short."]
    assert form.non_field_errors() == ["Not a member."]


def test_it_renames_keys_and_can_hand_back_what_fits_no_field():
    form = _bound()
    refusal = ValidationError({"text": "Say something.", "affected": "No such account."})
    rest = errors_onto(form, refusal, {"text": "message"}, rest_on_form=False)
    assert form.errors["message"] == ["Say something."]
    assert rest == ["No such account."] and not form.non_field_errors()


def test_a_refusal_without_fields_goes_on_the_form_as_a_whole():
    form = _bound()
    errors_onto(form, ValidationError("This case is closed."))
    assert form.non_field_errors() == ["This case is closed."]
