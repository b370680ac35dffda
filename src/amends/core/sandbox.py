"""The one sandbox for every text a user writes and Amends fills in: message
templates, notice texts, anything later. One engine, one policy:

* a short list of tags and filters: no ``{% load %}``, ``{% include %}`` or
  ``{% url %}``, nothing that reads a file or the database, and no filter that pads
  or repeats to a width the author chooses (``ljust``, ``center``, ``rjust``,
  ``stringformat``, ``floatformat``, ``add``), so no text grows by itself;
* loops nested at most ``MAX_LOOP_DEPTH`` deep and at most ``MAX_ITERATIONS``
  passes in one rendering, and at most ``MAX_OUTPUT`` characters out;
* no attribute access: ``{{ a.b }}`` is the key ``b`` of the dict ``a`` or the
  index ``b`` of the list ``a``, never a method or attribute of a Python object
  (``{{ name.upper }}``, ``{{ list.pop }}`` are unknown variables);
* the context is plain data (dicts, lists, strings, numbers), checked;
* the result is a plain ``str``, never marked safe: an HTML page that shows it
  escapes it like any other value that came from a user or a file.

Django's own template engine with these limits, rather than a second engine
(Jinja2's sandbox would still need the iteration and output limits, and would
change the syntax of every template already written)."""

import functools
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from django.template import (
    Context,
    Library,
    Node,
    Template,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.engine import Engine
from django.utils.translation import gettext as _

ALLOWED_TAGS = [
    "comment",
    "cycle",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "now",
    "regroup",
    "resetcycle",
    "spaceless",
    "templatetag",
    "verbatim",
    "with",
]
ALLOWED_FILTERS = [
    "capfirst",
    "cut",
    "default",
    "default_if_none",
    "dictsort",
    "dictsortreversed",
    "divisibleby",
    "first",
    "join",
    "last",
    "length",
    "lower",
    "make_list",
    "pluralize",
    "slice",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "wordcount",
    "wordwrap",
    "yesno",
]
MAX_LOOP_DEPTH = 2  # a loop in a loop is plenty; ten nested loops never finish
MAX_ITERATIONS = 10_000  # passes through every loop of one rendering together
MAX_OUTPUT = 200_000  # characters: twice the longest text a notice may be written in

INVALID = "\x00unknown:%s\x00"


class RenderError(ValueError):
    """The text cannot be rendered; the message says why, for its author."""


class _Limits:
    """What one rendering has spent: loop passes and characters written."""

    def __init__(self) -> None:
        self.iterations = 0
        self.written = 0

    @staticmethod
    def of(context) -> "_Limits":
        limits = context.render_context.get(_Limits)
        if limits is None:
            limits = context.render_context[_Limits] = _Limits()
        return limits


def _too_long() -> RenderError:
    return RenderError(_("The text would be longer than %(n)s characters.") % {"n": MAX_OUTPUT})


class _CountedSequence:
    """A loop's sequence, counting each pass against the rendering's budget."""

    def __init__(self, values, limits: _Limits) -> None:
        self.values = values
        self.limits = limits

    def __len__(self) -> int:
        return len(self.values)

    def __reversed__(self) -> Iterator:
        return self._count(reversed(self.values))

    def __iter__(self) -> Iterator:
        return self._count(iter(self.values))

    def _count(self, items: Iterator) -> Iterator:
        for item in items:
            self.limits.iterations += 1
            if self.limits.iterations > MAX_ITERATIONS:
                raise RenderError(
                    _("The loops would run more than %(n)s times.") % {"n": MAX_ITERATIONS}
                )
            yield item


class _CountedExpression:
    def __init__(self, expression) -> None:
        self.expression = expression

    def resolve(self, context, ignore_failures=False):
        values = self.expression.resolve(context, ignore_failures=ignore_failures)
        if values is None:
            return values
        if not hasattr(values, "__len__") or not hasattr(values, "__reversed__"):
            values = list(values)
        return _CountedSequence(values, _Limits.of(context))


class _Metered(Node):
    """A node that writes text, adding what it wrote to the rendering's total."""

    child_nodelists = ()

    def __init__(self, inner: Node) -> None:
        self.inner = inner
        self.token = inner.token
        self.origin = inner.origin

    def render(self, context) -> str:
        text = str(self.inner.render_annotated(context))
        limits = _Limits.of(context)
        limits.written += len(text)
        if limits.written > MAX_OUTPUT:
            raise _too_long()
        return text


def _meter(nodelist) -> None:
    """Wrap every node that writes text itself (not through nodes of its own)."""
    for index, node in enumerate(nodelist):
        found: list[Any]
        if isinstance(node, defaulttags.IfNode):  # its .nodelist is a fresh copy
            found = [branch for _condition, branch in node.conditions_nodelists]
        else:
            found = [getattr(node, name, None) for name in node.child_nodelists]
        children = [child for child in found if child]
        if isinstance(node, defaulttags.ForNode):
            # Duck-typed: the loop only calls .resolve() on its sequence.
            node.sequence = _CountedExpression(node.sequence)  # type: ignore[assignment]
        if children:
            for child in children:
                _meter(child)
        else:
            nodelist[index] = _Metered(node)


def _sandboxed(function):
    """A filter whose result is plain data again (``make_list`` makes a list, which
    must not offer ``.pop`` to a later ``{% with %}``)."""

    @functools.wraps(function)  # keeps the flags Django reads (is_safe, needs_autoescape…)
    def filtered(*args, **kwargs):
        return _plain(function(*args, **kwargs), "filter")

    return filtered


register = Library()
for _name in ALLOWED_TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
for _name in ALLOWED_FILTERS:
    register.filters[_name] = _sandboxed(defaultfilters.register.filters[_name])


class _Engine(Engine):
    # Engine always adds Django's own tags (load, include, url, debug…) before the
    # builtins it is given; this one starts from nothing.
    default_builtins: ClassVar[list[str]] = []


_ENGINES = {
    strict: _Engine(
        dirs=[],
        app_dirs=False,
        loaders=[],
        builtins=["amends.core.sandbox"],
        libraries={},
        autoescape=False,
        string_if_invalid=INVALID if strict else "",
    )
    for strict in (False, True)
}


# -- plain data, reached by key and index only -----------------------------------


class _Mapping:
    """A dict seen from a template: its keys, and nothing of Python's dict."""

    __slots__ = ("_data",)

    def __init__(self, data: dict) -> None:
        self._data = data

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __bool__(self) -> bool:
        return bool(self._data)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Mapping) and other._data == self._data

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return ""


class _NoAttributes:
    """Only Python's double-underscore protocol (len, iteration, comparison) works;
    every other attribute is missing, and dir() lists none, so Django's lookup of
    ``x.upper`` ends as an unknown variable instead of calling a method."""

    __slots__ = ()

    def __getattribute__(self, name: str):
        if name.startswith("__"):
            return super().__getattribute__(name)
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return []


class _Sequence(_NoAttributes, tuple):
    """A list seen from a template: items and length, no methods to call."""

    __slots__ = ()

    def __str__(self) -> str:
        return ""


class _Text(_NoAttributes, str):
    """A string seen from a template: its value, no methods (``{{ x.upper }}``)."""

    __slots__ = ()


PLAIN_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any, where: str) -> Any:
    if isinstance(value, _Mapping | _Sequence):
        return value
    if isinstance(value, str):
        return _Text(value)
    if isinstance(value, PLAIN_SCALARS):
        return value
    if isinstance(value, dict):
        wrapped = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has a key that is not a string: {key!r}")
            wrapped[key] = _plain(item, f"{where}.{key}")
        return _Mapping(wrapped)
    if isinstance(value, list | tuple):
        return _Sequence(_plain(item, f"{where}[{n}]") for n, item in enumerate(value))
    raise TypeError(f"{where} is a {type(value).__name__}: a template sees plain values")


# -- compiling and rendering ---------------------------------------------------------


def _loop_depth(nodelist, depth: int = 0) -> int:
    deepest = depth
    for node in nodelist:
        inner = depth + 1 if isinstance(node, defaulttags.ForNode) else depth
        for attribute in getattr(node, "child_nodelists", ()):
            child = getattr(node, attribute, None)
            if child:
                deepest = max(deepest, _loop_depth(child, inner))
        deepest = max(deepest, inner)
    return deepest


def text_compile(source: str, *, strict: bool = False) -> Template:
    """``source`` compiled, or a RenderError that names the mistake."""
    try:
        template = _ENGINES[strict].from_string(source)
    except TemplateSyntaxError as error:
        raise RenderError(str(error)) from error
    if _loop_depth(template.nodelist) > MAX_LOOP_DEPTH:
        raise RenderError(_("Loops may be nested at most %(n)s deep.") % {"n": MAX_LOOP_DEPTH})
    _meter(template.nodelist)
    return template


def text_render(template: Template, context: dict) -> str:
    """A compiled text filled from plain ``context``: a plain str, within the limits.
    A strict template's unknown variables are an error naming them."""
    data = {key: _plain(value, key) for key, value in context.items()}
    try:
        text = template.render(Context(data, autoescape=False))
    except RenderError:
        raise
    except RecursionError as error:
        raise RenderError(_("The text is nested too deep.")) from error
    except Exception as error:  # a filter given nonsense; say what, not a traceback
        raise RenderError(f"{type(error).__name__}: {error}") from error
    if len(text) > MAX_OUTPUT:
        raise _too_long()
    unknown = sorted(set(re.findall("\x00unknown:(.*?)\x00", text)))
    if unknown:
        raise RenderError(_("Unknown variable: %(names)s") % {"names": ", ".join(unknown)})
    # Template.render marks its result safe (a SafeString); this text came from a
    # user or a file, so it must not be: a slice is a plain str, escaped by any page.
    return text[:]


def render_text(source: str, context: dict, *, strict: bool = False) -> str:
    """``source`` filled from ``context``. Strict, an unknown variable is an error
    (for checking a text); otherwise it renders as nothing (for a draft)."""
    return text_render(text_compile(source, strict=strict), context)
