"""A fast path for the plain YAML most frontmatter is written in.

PyYAML spends 150-300 µs on a typical frontmatter (libyaml parses, but node
resolution and construction run in Python); that alone would blow the budget
for validating 10,000 concepts in a second.  This module parses the common
subset directly — block mappings and sequences, plain and simply-quoted
scalars, one-line flow lists and flow mappings — and gives up (returns None) on
anything else, in which case the caller uses PyYAML.  Scalars are resolved with
the loader's own implicit resolvers, so the result is what
``yamlio.FrontmatterLoader`` would produce; a differential property test in
tests/okf holds it to that.
"""

from __future__ import annotations

import re
from typing import Any

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*$")
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+$")
_BAD_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@`")
_BAD_TEXT = re.compile(r"[\t\r\x85\u2028\u2029\ufeff]")

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_CACHE_LIMIT = 8192
_MAX_INDENT = 96
_MISSING = object()

Line = tuple[int, str, int]


class _Unsupported(Exception):
    """The text uses YAML this fast path does not handle; fall back to PyYAML."""


class FastParser:
    """Parse frontmatter text into (mapping, top-level key lines), or None."""

    def __init__(self, resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]]) -> None:
        self._resolvers = resolvers
        self._wildcard = resolvers.get(None, [])
        #: scalar text → value, for immutable results (strings repeat across concepts).
        self._scalars: dict[str, Any] = {}
        #: key text → True when it is a plain key that resolves to a string.
        self._keys: dict[str, bool] = {}

    def parse(self, text: str) -> tuple[dict[str, Any], dict[Any, int]] | None:
        if _BAD_TEXT.search(text) or not text.replace("\n", "").isprintable():
            return None
        lines: list[Line] = []
        trailing = " \n" in text or text.endswith(" ")
        for number, raw in enumerate(text.split("\n")):
            content = raw.lstrip(" ")
            if not content or content[0] == "#":
                continue
            indent = len(raw) - len(content)
            if indent > _MAX_INDENT:
                return None  # very deep: let the slow path apply its depth limit
            if trailing:
                content = content.rstrip(" ")
            lines.append((indent, content, number))
        if not lines or lines[0][0] != 0:
            return None
        key_lines: dict[Any, int] = {}
        try:
            value, index = self._mapping(lines, 0, 0, key_lines)
        except _Unsupported:
            return None
        if index != len(lines):
            return None
        return value, key_lines

    # -- blocks ------------------------------------------------------------------------

    def _key_ok(self, key: str) -> bool:
        """Whether ``key`` is a plain key resolving to a string (cached)."""
        ok = bool(_KEY.match(key)) and self._tag(key) == _STR
        if len(self._keys) < _CACHE_LIMIT:
            self._keys[key] = ok
        return ok

    def _split_key(self, content: str) -> tuple[str, str] | None:
        """(key, rest) when ``content`` is ``key:`` or ``key: rest``, else None."""
        key, sep, rest = content.partition(":")
        if not sep or (rest and rest[0] != " "):
            return None
        ok = self._keys.get(key)
        if ok is None:
            ok = self._key_ok(key)
        if not ok:
            raise _Unsupported
        return key, rest.lstrip(" ")

    def _mapping(
        self, lines: list[Line], index: int, indent: int, key_lines: dict[Any, int] | None
    ) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        count = len(lines)
        keys = self._keys
        scalars = self._scalars
        value: Any
        while index < count:
            line_indent, content, number = lines[index]
            if line_indent != indent:
                if line_indent > indent:
                    raise _Unsupported
                break
            key, sep, rest = content.partition(":")
            if not sep or (rest and rest[0] != " "):
                raise _Unsupported
            ok = keys.get(key)
            if ok is None:
                ok = self._key_ok(key)
            if not ok:
                raise _Unsupported
            if rest:
                rest = rest.lstrip(" ")
            if key in result:
                raise _Unsupported
            if key_lines is not None:
                key_lines[key] = number
            index += 1
            if rest:
                value = scalars.get(rest, _MISSING)  # inlined fast path of _inline
                if value is _MISSING or type(value) is tuple:
                    value = self._inline(rest)
                result[key] = value
                continue
            if index < count:
                next_indent, next_content = lines[index][0], lines[index][1]
                if next_indent > indent:
                    if next_content == "-" or next_content.startswith("- "):
                        result[key], index = self._sequence(lines, index, next_indent)
                    else:
                        result[key], index = self._mapping(lines, index, next_indent, None)
                    continue
                if (
                    next_indent == indent
                    and next_content[0] == "-"
                    and (len(next_content) == 1 or next_content[1] == " ")
                ):
                    result[key], index = self._sequence(lines, index, indent)
                    continue
            result[key] = None
        return result, index

    def _sequence(self, lines: list[Line], index: int, indent: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        count = len(lines)
        value: Any
        while index < count:
            line_indent, content, number = lines[index]
            if line_indent != indent:
                if line_indent > indent:
                    raise _Unsupported
                break
            if content[0] != "-" or (len(content) > 1 and content[1] != " "):
                break
            rest = content[1:].lstrip(" ")
            if not rest:
                index += 1
                if index < count and lines[index][0] > indent:
                    next_content = lines[index][1]
                    if next_content == "-" or next_content.startswith("- "):
                        value, index = self._sequence(lines, index, lines[index][0])
                    else:
                        value, index = self._mapping(lines, index, lines[index][0], None)
                else:
                    value = None
            elif rest[0] not in "'\"[{" and self._split_key(rest) is not None:
                column = indent + len(content) - len(rest)
                lines[index] = (column, rest, number)
                value, index = self._mapping(lines, index, column, None)
            else:
                value = self._inline(rest)
                index += 1
            items.append(value)
        return items, index

    # -- scalars and flow collections ---------------------------------------------------

    def _inline(self, text: str) -> Any:
        value = self._scalars.get(text, _MISSING)
        if value is not _MISSING:
            return list(value) if isinstance(value, tuple) else value
        first = text[0]
        if first == "'":
            value = self._single_quoted(text)
        elif first == '"':
            if len(text) < 2 or text[-1] != '"' or '"' in text[1:-1] or "\\" in text:
                raise _Unsupported
            value = text[1:-1]
        elif first == "[":
            value = tuple(self._plain(item, flow=True) for item in self._flow_items(text, "]"))
        elif first == "{":
            mapping: dict[str, Any] = {}
            for item in self._flow_items(text, "}"):
                key, sep, rest = item.partition(": ")
                key = key.strip()
                if not sep or key in mapping or not _KEY.match(key) or self._tag(key) != _STR:
                    raise _Unsupported
                mapping[key] = self._plain(rest.strip(), flow=True)
            return mapping  # mutable: never cached
        else:
            value = self._plain(text, flow=False)
        if len(self._scalars) < _CACHE_LIMIT:
            self._scalars[text] = value
        return list(value) if isinstance(value, tuple) else value

    @staticmethod
    def _single_quoted(text: str) -> str:
        if len(text) < 2 or text[-1] != "'":
            raise _Unsupported
        inner = text[1:-1]
        if "'" in inner.replace("''", ""):
            raise _Unsupported
        return inner.replace("''", "'")

    @staticmethod
    def _flow_items(text: str, closer: str) -> list[str]:
        if text[-1] != closer:
            raise _Unsupported
        inner = text[1:-1].strip()
        if not inner:
            return []
        for ch in "[]{}'\"#":
            if ch in inner:
                raise _Unsupported
        items = [item.strip() for item in inner.split(",")]
        if "" in items:
            raise _Unsupported
        return items

    def _plain(self, text: str, *, flow: bool) -> Any:
        if not text or text[0] in _BAD_FIRST:
            raise _Unsupported
        if " #" in text or ": " in text or text[-1] == ":":
            raise _Unsupported
        if flow and ("," in text or "[" in text or "]" in text or "{" in text or "}" in text):
            raise _Unsupported
        tag = self._tag(text)
        if tag == _STR:
            return text
        if tag == _BOOL:
            return text.lower() in ("yes", "true", "on")
        if tag == _NULL:
            return None
        if tag == _INT_TAG and _INT.match(text):
            return int(text)
        if tag == _FLOAT_TAG and _FLOAT.match(text):
            return float(text)
        raise _Unsupported

    def _tag(self, value: str) -> str:
        for tag, regexp in self._resolvers.get(value[0] if value else "", ()):
            if regexp.match(value):
                return tag
        for tag, regexp in self._wildcard:
            if regexp.match(value):
                return tag
        return _STR
