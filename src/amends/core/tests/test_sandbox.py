"""The one sandbox for every text a user writes: what it allows, what it refuses,
and that its result is never taken for safe HTML."""

import pytest
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

from amends.core.sandbox import (
    MAX_ITERATIONS,
    MAX_OUTPUT,
    RenderError,
    render_text,
    text_compile,
    text_render,
)

CONTEXT = {
    "name": "Joanna",
    "items": ["a", "b", "c"],
    "person": {"role": "buyer"},
    "fields": {"long": "x" * 5000},
}


def test_it_fills_plain_data_by_key_and_index():
    source = (
        "{{ name }} {{ person.role }} {{ items.1 }} "
        "{% for i in items %}{{ i|upper }}{% if not forloop.last %},{% endif %}{% endfor %}"
        " {{ items|join:'+' }} {{ name|default:'you' }} {{ items|length }}"
    )
    assert render_text(source, CONTEXT, strict=True) == "Joanna buyer b A,B,C a+b+c Joanna 3"


def test_its_result_is_plain_text_that_any_page_escapes():
    text = render_text("{{ name }}", {"name": "<script>alert(1)</script>"})
    assert not isinstance(text, SafeData)
    assert conditional_escape(text) == "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.mark.parametrize(
    "source",
    [
        '{{ name|ljust:"20000000" }}',
        '{{ name|center:"20000000" }}',
        '{{ name|stringformat:"20000000s" }}',
        "{{ items|add:items }}",
        "{% load static %}",
        "{% include 'base.html' %}",
        "{% url 'home' %}",
        "{% debug %}",
        "{% widthratio 1 1 20000000 %}",
        "{{ name.__class__ }}",
    ],
)
def test_it_refuses_what_could_grow_or_reach_outside(source):
    with pytest.raises(RenderError):
        text_compile(source)


@pytest.mark.parametrize("source", ["{{ name.upper }}", "{{ items.pop }}", "{{ person.items }}"])
def test_it_reaches_no_attribute_beyond_the_data(source):
    data = {**CONTEXT, "items": list(CONTEXT["items"])}
    with pytest.raises(RenderError, match="Unknown variable"):
        render_text(source, data, strict=True)
    assert render_text(source, data) == ""
    assert data["items"] == ["a", "b", "c"]  # nothing was called


def test_a_list_made_by_a_filter_offers_no_methods_either():
    source = "{% with letters=name|make_list %}{{ letters.pop }}{{ letters|length }}{% endwith %}"
    assert render_text(source, CONTEXT) == "6"


def test_it_refuses_loops_nested_three_deep():
    loop = "{% for x in items %}"
    source = loop * 3 + "{% endfor %}" * 3
    with pytest.raises(RenderError, match="nested at most 2"):
        text_compile(source)


def test_it_stops_loops_that_run_too_many_times():
    loop = "{% for x in fields.long|make_list %}"
    source = loop * 2 + "{% endfor %}" * 2
    with pytest.raises(
        RenderError, match=f"more than {MAX_ITERATIONS:,}|more than {MAX_ITERATIONS}"
    ):
        render_text(source, CONTEXT)


def test_it_stops_a_text_that_grows_past_the_output_limit():
    source = "{% for a in fields.long|make_list %}{{ fields.long }}{% endfor %}"
    with pytest.raises(RenderError, match="longer than"):
        render_text(source, CONTEXT)
    # Within the limit the same loop renders.
    assert len(render_text(source, {"fields": {"long": "xy"}})) == 4
    assert MAX_OUTPUT >= 100_000


def test_a_compiled_text_renders_many_times_each_within_its_own_budget():
    template = text_compile("{% for i in items %}{{ i }}{% endfor %}")
    for _ in range(MAX_ITERATIONS // 2):
        assert text_render(template, CONTEXT) == "abc"


def test_it_accepts_only_plain_data():
    with pytest.raises(TypeError, match="plain values"):
        render_text("{{ x }}", {"x": object()})
