"""Safe, byte-stable YAML for OKF frontmatter.

Two problems with stock PyYAML drive this module:

* YAML 1.1 turns an unquoted ``2026-06-30T14:00:00Z`` into a ``datetime`` and dumps
  it back differently, so the loader drops the timestamp resolver: timestamps stay
  the text the author wrote.
* Aliases make a small document expand into a huge one ("billion laughs").  PyYAML
  shares aliased nodes, so loading is cheap, but anything that walks the result
  (rendering, JSON, pydantic) expands it.  Documents that use aliases are checked
  for their expanded size and refused beyond a small budget, and recursive aliases
  are refused outright.

The dumper is deterministic (no key sorting surprises, fixed indentation, no line
folding, flow style only for short scalar lists, never anchors or aliases) so an
unchanged mapping always renders to the same bytes.  PyYAML's pure-Python emitter
costs 2-7 ms for a concept with a long ``sources`` list, so :func:`dump` first tries
a small emitter for the common shapes that asks PyYAML's own analysis and resolver
how each scalar must be written (so quoting is exactly PyYAML's); on any shape it
does not know it hands the whole document to PyYAML.  A differential property test
in tests/okf holds the two to the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import yaml

from dossier.okf.fastyaml import FastParser

#: Extra nodes an alias-using document may expand to beyond its own node count.
MAX_ALIAS_EXPANSION = 10_000
#: Deepest nesting of collections accepted (frontmatter rarely goes past 4).
MAX_DEPTH = 64

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FrontmatterLoader(_BaseLoader):  # type: ignore[misc]
    """Safe loader (libyaml when available) that keeps timestamps as text."""


FrontmatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
# An explicit ``!!timestamp`` tag still yields the author's text.
FrontmatterLoader.add_constructor(_TIMESTAMP_TAG, yaml.SafeLoader.construct_yaml_str)


class AliasBombError(yaml.YAMLError):
    """The document's aliases expand beyond the budget, or refer to themselves."""


class NestingError(yaml.YAMLError):
    """The document nests collections deeper than MAX_DEPTH."""


@dataclass
class Loaded:
    """A loaded YAML document and the 0-based line of each top-level key."""

    data: Any
    key_lines: dict[Any, int]


def _check_shape(root: yaml.Node) -> None:
    """Refuse recursive aliases, alias expansion beyond the budget, and deep nesting.

    Iterative post-order walk with memoised subtree sizes and heights: linear in
    the number of distinct nodes however large the expansion would be, and no
    recursion however deep the document.  (Rendering, pydantic and JSON all
    recurse, so a 20,000-level list must be refused here.)
    """
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_stack.discard(key)
            total = 1
            height = 0
            for child in _children(node):
                total += sizes[id(child)]
                height = max(height, heights[id(child)])
            sizes[key] = total
            heights[key] = height + 1
            if height + 1 > MAX_DEPTH:
                raise NestingError(f"frontmatter is nested more than {MAX_DEPTH} levels deep")
            continue
        if key in sizes:
            continue
        if key in on_stack:
            raise AliasBombError("recursive alias: the document refers to itself")
        on_stack.add(key)
        stack.append((node, True))
        for child in _children(node):
            ckey = id(child)
            if ckey in on_stack:
                raise AliasBombError("recursive alias: the document refers to itself")
            if ckey not in sizes:
                stack.append((child, False))
    expanded = sizes[id(root)]
    if expanded - len(sizes) > MAX_ALIAS_EXPANSION:
        raise AliasBombError(
            f"aliases expand the document to {expanded} nodes "
            f"(limit {len(sizes) + MAX_ALIAS_EXPANSION}); refusing an alias bomb"
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        out: list[yaml.Node] = []
        for key, value in node.value:
            out.append(key)
            out.append(value)
        return out
    return []


_FAST = FastParser(FrontmatterLoader.yaml_implicit_resolvers)


def load(text: str) -> Loaded:
    """Load one YAML document safely; raise ``yaml.YAMLError`` (incl. AliasBombError).

    Plain frontmatter goes through :mod:`fastyaml`; anything it does not handle
    (and every document with aliases, tags, block scalars...) through PyYAML.
    Raises :class:`AliasBombError` or :class:`NestingError` for hostile shapes.
    """
    fast = _FAST.parse(text)
    if fast is not None:
        return Loaded(fast[0], fast[1])
    return load_slow(text)


def load_slow(text: str) -> Loaded:
    """Load with PyYAML (libyaml when available), checking alias expansion."""
    loader = FrontmatterLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Loaded(None, {})
        _check_shape(node)
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return Loaded(data, key_lines(node))


def key_lines(node: yaml.Node | None) -> dict[Any, int]:
    """0-based line of each top-level key of a mapping node (empty for other nodes)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    lines: dict[Any, int] = {}
    for key, _value in node.value:
        if isinstance(key, yaml.ScalarNode):
            lines.setdefault(key.value, key.start_mark.line)
    return lines


class FrontmatterDumper(yaml.SafeDumper):
    """Deterministic block-style dumper: indented sequences, literal multi-line strings."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent "- item" under its key, as hand-written OKF does.
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        # The same dict or list object appearing twice must render twice, not as
        # ``&id001`` / ``*id001``: aliases are refused on load above their budget and
        # surprise every reader that is not a YAML parser.
        return True


_SCALARS = (str, int, float, bool, type(None))


_ODD_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(ch in value for ch in _ODD_BREAKS):
        # Only the double-quoted style escapes these; others would read back as \n or ' '.
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


def _is_flow_list(value: list[Any] | tuple[Any, ...]) -> bool:
    """Short lists of short scalars are written ``[a, b]``; everything else in block style."""
    return (
        0 < len(value) <= 20
        and all(isinstance(item, _SCALARS) for item in value)
        and not any(isinstance(item, str) and ("\n" in item or len(item) > 40) for item in value)
        and sum(len(str(item)) + 2 for item in value) <= 80
    )


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    return dumper.represent_sequence(
        "tag:yaml.org,2002:seq", value, flow_style=_is_flow_list(value)
    )


def _represent_tuple(dumper: yaml.SafeDumper, value: tuple[Any, ...]) -> yaml.SequenceNode:
    return _represent_list(dumper, list(value))


FrontmatterDumper.add_representer(str, _represent_str)
FrontmatterDumper.add_representer(list, _represent_list)
FrontmatterDumper.add_representer(tuple, _represent_tuple)

_DUMP_OPTIONS: dict[str, Any] = {
    "allow_unicode": True,
    "sort_keys": False,
    "default_flow_style": False,
    "width": 1_000_000,
    "indent": 2,
}


def dump(data: Mapping[Any, Any]) -> str:
    """Render a mapping as block YAML with a trailing newline; same input, same bytes."""
    try:
        return _FastDumper.dump(data)
    except _NotFast:
        return dump_slow(data)


def dump_slow(data: Mapping[Any, Any]) -> str:
    """:func:`dump` through PyYAML's emitter alone (the reference the fast path matches)."""
    return str(yaml.dump(dict(data), Dumper=FrontmatterDumper, **_DUMP_OPTIONS))


class _NotFast(Exception):
    """The value has a shape the fast emitter leaves to PyYAML."""


#: Scalars longer than this go to PyYAML (its line folding would start to matter).
_FAST_MAX_SCALAR = 100_000
_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_BLOCK, _PLAIN_FLOW, _PLAIN_KEY = 1, 2, 4
_SIMPLE_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9_./()-]*(?: [A-Za-z0-9_./()-]+)*\Z")


class _FastDumper:
    """Block YAML for dict/list/tuple/str/int/float/bool/None, byte-identical to PyYAML's.

    Layout (indentation, ``- `` items, flow lists) is fixed and simple; the hard
    part, how a scalar is quoted, is decided by PyYAML's own ``analyze_scalar`` and
    resolver, following ``Emitter.choose_scalar_style``.  Only plain and
    single-quoted one-line scalars are written here; anything that would need
    double quotes, a block scalar or a ``? `` key raises :class:`_NotFast`.
    """

    #: Never emits: asked only how a scalar would be written.
    _probe = FrontmatterDumper(io.StringIO(), allow_unicode=True, width=1_000_000, indent=2)
    #: str text → bit set of the contexts it may be written plain in, or -1 (not fast).
    _styles: ClassVar[dict[str, int]] = {}

    @classmethod
    def dump(cls, data: Mapping[Any, Any]) -> str:
        if not isinstance(data, dict) or not data:
            raise _NotFast
        out: list[str] = []
        cls._mapping(data, 0, "", out)
        out.append("")
        return "\n".join(out)

    @classmethod
    def _resolve(cls, text: str) -> str:
        """The tag PyYAML's dumper would give ``text`` written plain."""
        resolve: Any = cls._probe.resolve
        return str(resolve(yaml.ScalarNode, text, (True, False)))

    @classmethod
    def _str_styles(cls, text: str) -> int:
        styles = cls._styles.get(text)
        if styles is not None:
            return styles
        styles = 0
        if len(text) > _FAST_MAX_SCALAR or any(ch in text for ch in ("\n", *_ODD_BREAKS)):
            styles = -1
        elif _SIMPLE_TEXT.match(text):
            # Words, digits and ``_./()-`` after a letter, single spaces between:
            # analyze_scalar allows every style for these; only the resolver decides.
            plain = cls._resolve(text) == _STR_TAG
            styles = _PLAIN_BLOCK | _PLAIN_FLOW | _PLAIN_KEY if plain else 0
        else:
            analysis = cls._probe.analyze_scalar(text)
            implicit = cls._resolve(text) == _STR_TAG
            if analysis.multiline or not analysis.allow_single_quoted:
                styles = -1
            elif implicit:
                if analysis.allow_block_plain:
                    styles |= _PLAIN_BLOCK
                    if not analysis.empty:
                        styles |= _PLAIN_KEY
                if analysis.allow_flow_plain:
                    styles |= _PLAIN_FLOW
        if len(cls._styles) > 50_000:
            cls._styles.clear()
        cls._styles[text] = styles
        return styles

    @classmethod
    def _scalar(cls, value: Any, context: int) -> str:
        kind = type(value)
        if kind is str:
            styles = cls._str_styles(value)
            if styles < 0:
                raise _NotFast
            if styles & context:
                return str(value)
            return "'" + str(value).replace("'", "''") + "'"
        if value is None:
            return "null"
        if kind is bool:
            return "true" if value else "false"
        if kind is int:
            return str(value)
        if kind is float:
            text = str(cls._probe.represent_float(value).value)
            tag = "tag:yaml.org,2002:float"
            if cls._resolve(text) != tag:
                raise _NotFast
            analysis = cls._probe.analyze_scalar(text)
            plain = analysis.allow_flow_plain if context == _PLAIN_FLOW else (
                analysis.allow_block_plain)
            if not plain:
                raise _NotFast
            return text
        raise _NotFast

    @classmethod
    def _inline(cls, value: Any) -> str | None:
        """The text after ``key: `` or ``- `` when the value fits on that line, else None."""
        kind = type(value)
        if kind is dict:
            return None if value else "{}"
        if kind is list or kind is tuple:
            if not value:
                return "[]"
            if _is_flow_list(value):
                return "[" + ", ".join(cls._scalar(item, _PLAIN_FLOW) for item in value) + "]"
            return None
        return cls._scalar(value, _PLAIN_BLOCK)

    @classmethod
    def _mapping(cls, data: dict[Any, Any], indent: int, first: str, out: list[str]) -> None:
        pad = " " * indent
        prefix = first
        for key, value in data.items():
            if type(key) is not str or not key or len(key) >= 128:
                raise _NotFast  # PyYAML writes these as ``? key``
            key_text = cls._scalar(key, _PLAIN_KEY)
            if len(key_text) >= 128:
                raise _NotFast
            inline = cls._inline(value)
            if inline is not None:
                out.append(f"{prefix}{key_text}: {inline}")
            else:
                out.append(f"{prefix}{key_text}:")
                if type(value) is dict:
                    cls._mapping(value, indent + 2, " " * (indent + 2), out)
                else:
                    cls._sequence(value, indent + 2, " " * (indent + 2), out)
            prefix = pad

    @classmethod
    def _sequence(
        cls, items: list[Any] | tuple[Any, ...], indent: int, first: str, out: list[str]
    ) -> None:
        pad = " " * indent
        prefix = first
        for item in items:
            inline = cls._inline(item)
            if inline is not None:
                out.append(f"{prefix}- {inline}")
            elif type(item) is dict:
                cls._mapping(item, indent + 2, prefix + "- ", out)
            else:
                cls._sequence(item, indent + 2, prefix + "- ", out)
            prefix = pad
