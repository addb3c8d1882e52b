"""Links inside code are text for the format layer too (``masked_body`` over ``codeblocks``).

``dossier validate`` used to mask fenced code and code spans only: a link written inside
an indented code block (a shell snippet in a person's concept, say) was reported as a
broken link.  Code is now the one CommonMark answer the extractor's writers use.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from typer.testing import CliRunner

from dossier.cli import app
from dossier.okf.codeblocks import code_map, code_ranges
from dossier.okf.links import masked_body, parse_links
from dossier.okf.validate import BROKEN_LINK

runner = CliRunner()

_PERSON = """---
type: Stakeholder
title: Morwenna Pike
description: Runs the overnight print queue.
---
Morwenna keeps the queue scripts; see [the queue](/queue.md).

To reprint a batch she runs:

    reprint --batch 7 --notes "[old runbook](/runbook-2019.md)"
\treprint --dry-run [draft](/drafts/today.md)

- Her notes on paper stock
  continue here, with [a missing page](/paper-stock.md).
"""

_QUEUE = "---\ntype: System\ntitle: Print queue\ndescription: Overnight printing.\n---\n"


def _broken_links(tmp_path: Path) -> list[tuple[str, int]]:
    root = tmp_path / "bundle"
    (root / "people").mkdir(parents=True)
    (root / "people" / "morwenna-pike.md").write_text(_PERSON, encoding="utf-8")
    (root / "queue.md").write_text(_QUEUE, encoding="utf-8")
    result = runner.invoke(app, ["validate", "--json", str(root)])
    findings = json.loads(result.stdout)["findings"]
    return [(f["path"], f["line"]) for f in findings if f["code"] == BROKEN_LINK]


def test_validate_ignores_links_in_indented_code_and_still_reports_real_ones(
        tmp_path: Path) -> None:
    broken = _broken_links(tmp_path)
    # only the prose link to a page that does not exist, on its own line of the file
    line = next(n for n, text in enumerate(_PERSON.split("\n"), 1) if "a missing page" in text)
    assert broken == [("people/morwenna-pike.md", line)]


def test_masked_body_blanks_indented_code_keeping_length_and_lines() -> None:
    body = _PERSON.split("---\n", 2)[2]
    masked = masked_body(body)
    assert len(masked) == len(body)
    assert [len(line) for line in masked.split("\n")] == [len(line) for line in body.split("\n")]
    assert [link.target_id for link in parse_links(body, "people/morwenna-pike")] == [
        "queue", "paper-stock"]


def test_masked_body_leaves_prose_and_list_continuations_alone() -> None:
    body = "Plain prose with [a](a.md).\n- item\n    - nested [b](b.md)\n"
    assert masked_body(body) == body
    assert [link.target_id for link in parse_links(body, "x")] == ["a", "b"]


def _reference_ranges(text: str) -> list[tuple[int, int]]:
    """What is code with no shortcut: every line scanned, spans paired run by run."""
    lines = text.split("\n")
    out: list[tuple[int, int]] = []
    offset = 0
    for line, is_code in zip(lines, code_map(lines).code, strict=True):
        if is_code:
            out.append((offset, offset + len(line)))
        else:
            runs = [m for m in re.finditer(r"`+", line)
                    if not (m.start() and line[m.start() - 1] == "\\")]
            index = 0
            while index < len(runs):
                size = len(runs[index].group())
                close = next((j for j in range(index + 1, len(runs))
                              if len(runs[j].group()) == size), None)
                if close is None:
                    index += 1
                    continue
                out.append((offset + runs[index].start(), offset + runs[close].end()))
                index = close + 1
        offset += len(line) + 1
    return out


def test_the_fast_paths_agree_with_the_full_scan() -> None:
    """``may_hold_code_blocks`` and the one-pass span finder are shortcuts, never answers:
    on many mixed texts the result is the line-by-line scan's."""
    pieces = ["`", "``", "```", "~~~", "\\", "a", " ", "    ", "\t", "\n", "\n\n", "> ",
              "- ", "1. ", "# ", "---", "* ", "[x](/y.md)", "b c", "\u00a0"]
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        assert code_ranges(text) == _reference_ranges(text), text
