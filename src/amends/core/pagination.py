from django.core.paginator import Page, Paginator


def page_of(queryset, number: str | int | None, size: int) -> Page:
    """The requested page; a missing, bad or too-large number gives the nearest real page."""
    paginator = Paginator(queryset, size)
    return paginator.get_page(number)
