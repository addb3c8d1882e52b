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
folding, flow style only for short scalar lists) so an unchanged mapping always
renders to the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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


_SCALARS = (str, int, float, bool, type(None))


_ODD_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(ch in value for ch in _ODD_BREAKS):
        # Only the double-quoted style escapes these; others would read back as \n or ' '.
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    flow = (
        0 < len(value) <= 20
        and all(isinstance(item, _SCALARS) for item in value)
        and not any(isinstance(item, str) and ("\n" in item or len(item) > 40) for item in value)
        and sum(len(str(item)) + 2 for item in value) <= 80
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


def _represent_tuple(dumper: yaml.SafeDumper, value: tuple[Any, ...]) -> yaml.SequenceNode:
    return _represent_list(dumper, list(value))


FrontmatterDumper.add_representer(str, _represent_str)
FrontmatterDumper.add_representer(list, _represent_list)
FrontmatterDumper.add_representer(tuple, _represent_tuple)


def dump(data: Mapping[Any, Any]) -> str:
    """Render a mapping as block YAML with a trailing newline; same input, same bytes."""
    return yaml.dump(
        dict(data),
        Dumper=FrontmatterDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
        indent=2,
    )
