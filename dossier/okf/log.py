"""``log.md`` appends (§9): date-grouped entries, newest date first, append-only.

An append never rewrites what is there: a new date section is inserted above the
first older one, and entries for a date that already has a section go at the end
of that section.  Entries already present verbatim in that day's section are not
repeated, so retrying an iteration does not duplicate its log lines.  A log with
frontmatter or its own heading (written by others) is left as it is.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from dossier.fsutil import atomic_write_text, resolve_within
from dossier.okf.errors import OKFError

LOG_HEADING = "# Update Log"
_DATE_HEADING = re.compile(r"^##[ \t]+(\S.*?)[ \t]*#*[ \t]*$")
_HEADING = re.compile(r"^#{1,2}[ \t]")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def format_entry(entry: str) -> str:
    """One log line: a single line, bulleted with ``* `` unless the caller bulleted it."""
    text = " ".join(entry.split())
    if text.startswith(("* ", "- ")):
        return text
    return f"* {text}"


def date_headings(lines: list[str]) -> list[tuple[int, str]]:
    """(index, heading text) of each ``## `` heading outside fenced code."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and not line.strip().strip(fence[0]):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        match = _DATE_HEADING.match(line)
        if match:
            out.append((number, match.group(1)))
    return out


def _frontmatter_end(lines: list[str]) -> int:
    if lines and lines[0].rstrip() == "---":
        for number in range(1, len(lines)):
            if lines[number].rstrip() == "---":
                return number + 1
    return 0


def insert_entries(text: str, day: date, entries: list[str]) -> str:
    """``text`` with ``entries`` added under ``day`` (pure; see module doc for the rules)."""
    stamp = day.isoformat()
    new = [format_entry(e) for e in entries if e.strip()]
    lines = text.splitlines()
    headings = date_headings(lines)
    for position, (index, label) in enumerate(headings):
        if label == stamp:
            end = headings[position + 1][0] if position + 1 < len(headings) else len(lines)
            while end > index + 1 and not lines[end - 1].strip():
                end -= 1
            present = set(lines[index + 1 : end])
            fresh: list[str] = []
            for line in new:
                if line not in present and line not in fresh:
                    fresh.append(line)
            if not fresh:
                return text
            lines[end:end] = fresh
            return "\n".join(lines) + "\n"
    unique = list(dict.fromkeys(new))
    section = [f"## {stamp}", *unique, ""]
    for index, label in headings:
        if _ISO_DAY.match(label) and label < stamp:  # ISO dates sort as text; newest first
            lines[index:index] = section
            return "\n".join(lines) + "\n"
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or not any(_HEADING.match(line) for line in lines[_frontmatter_end(lines) :]):
        lines.extend([LOG_HEADING] if not lines else ["", LOG_HEADING])
    lines.append("")
    lines.extend(section[:-1])
    return "\n".join(lines) + "\n"


def append_log(bundle_root: Path, day: date, entries: list[str], directory: str = "") -> None:
    """Append ``entries`` (``* **Word**: text`` lines) under ``day`` in ``directory``/log.md."""
    if not any(entry.strip() for entry in entries):
        return
    rel = f"{directory.strip('/')}/log.md" if directory.strip("/") else "log.md"
    path: Path = resolve_within(bundle_root, rel)
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise OKFError(f"{path}: cannot append to the log: {exc}") from None
    new = insert_entries(old, day, entries)
    if new != old:
        atomic_write_text(path, new)
