"""The search page: GET /search/?q=… works without JavaScript; with htmx, the page's
own box asks for the results partial as the person types."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from amends.search.forms import SearchForm
from amends.search.selectors import search, search_is_empty


@login_required
@require_GET
def search_view(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.query()
    context = {
        "form": form,
        "query": query,
        "groups": search(user=request.user, query=query),
        "empty_query": search_is_empty(query),
        "too_long": not form.is_valid(),
    }
    template = (
        "search/results.html#results" if getattr(request, "htmx", False) else "search/results.html"
    )
    return render(request, template, context)
