from django import forms
from django.utils.translation import gettext_lazy as _

from amends.core.textsearch import QUERY_MAX


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=QUERY_MAX, required=False, strip=True)

    def query(self) -> str:
        return self.cleaned_data["q"] if self.is_valid() else ""
