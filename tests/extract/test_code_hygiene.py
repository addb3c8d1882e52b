"""Nothing is written into code: footnote markers, mention links and wikilinks alike.

Every writer into bodies asks ``codeblocks`` what is code: fenced blocks of any length
(in block quotes and list items too), indented code blocks (but never a list item's
indented continuation paragraph) and code spans.  The fixtures are written for these
tests, each in a style the dev pack does not use.
"""

from __future__ import annotations

import pytest

from dossier.extract.deterministic.codeblocks import code_lines, code_spans
from dossier.extract.deterministic.provenance import cite
from dossier.extract.model import ProposedConcept
from tests.extract.extract_helpers import make_doc, named, run

VAULT = ("# Quartz Vault\n\nThe Quartz Vault is the secret store that holds every signing "
         "key of the release team, with an audit trail of each read and each write made "
         "by people or by jobs.\n")

RECORD = """# 7. Rotate the signing keys

## Status

Accepted

## Context

Release signing keys never expire today, and nobody knows who still holds one.

## Decision

We rotate the keys every quarter from the release host:

    $ keyctl rotate --store quartz-vault
    $ keyctl verify Quartz Vault

The Quartz Vault keeps the previous key for a week.

## Consequences

Operators rehearse the rotation once before each quarter starts.
"""


def _concepts(*docs: tuple[str, str]) -> list[ProposedConcept]:
    return run([make_doc("quartz-vault", VAULT), *(make_doc(name, text) for name, text in docs)])


def _code_untouched(body: str, snippet: list[str]) -> None:
    lines = body.splitlines()
    for line in snippet:
        assert line in lines, (line, body)


def test_an_indented_shell_snippet_in_a_record_gets_no_marker_and_no_link() -> None:
    record = _record()
    snippet = ["    $ keyctl rotate --store quartz-vault", "    $ keyctl verify Quartz Vault"]
    _code_untouched(record.body, snippet)
    lines = record.body.splitlines()
    after = lines.index(snippet[-1])
    # the block is cited after it, and the prose below it still links and cites
    assert lines[after + 1] == "" and lines[after + 2].startswith("Source.[^src-")
    prose = next(line for line in lines if line.startswith("The [Quartz Vault]("))
    assert prose.endswith("]") and "[^src-" in prose


def _record() -> ProposedConcept:
    """The record's own concept (a Decision), whatever its title became."""
    concepts = _concepts(("adr/0007-rotate-keys", RECORD))
    record = next(c for c in concepts if "keyctl" in c.body)
    assert record.type == "Decision", record.type
    return record


def test_a_list_items_indented_continuation_is_prose_and_gets_links() -> None:
    handbook = ("# On-call handbook\n\nWhat the engineer on call does, in order, when a "
                "release job pages them at night.\n\n"
                "- Page the second engineer first.\n\n"
                "    Ask them to read the Quartz Vault audit trail before anything else.\n\n"
                "- Close the incident when the job is green.\n")
    concept = next(c for c in _concepts(("handbook", handbook)) if "incident" in c.body)
    line = next(x for x in concept.body.splitlines() if "audit trail" in x)
    assert line.startswith("    Ask them to read the [Quartz Vault](")
    assert "Source." not in concept.body  # no code here, so no code block to cite after


def test_a_fence_of_four_backticks_holds_three_backtick_lines() -> None:
    guide = ("# Writing fenced examples\n\nTo show a fence inside a fence, open the outer "
             "one with four backticks:\n\n"
             "````markdown\n```\nQuartz Vault status\n```\n````\n\n"
             "The Quartz Vault pages use this form for every example.\n")
    concept = next(c for c in _concepts(("fences", guide)) if "four backticks" in c.body)
    _code_untouched(concept.body, ["````markdown", "```", "Quartz Vault status", "````"])
    lines = concept.body.splitlines()
    assert lines[lines.index("````") + 2].startswith("Source.[^src-")
    assert any(x.startswith("The [Quartz Vault](") for x in lines)


def test_shell_double_brackets_in_a_note_are_no_wikilink() -> None:
    note = ("---\ntitle: Shell tests\ntags: [shell]\n---\n"
            "Bash tests files with double brackets, as the Quartz Vault scripts do:\n\n"
            "```bash\nif [[ -f \"$CONFIG\" ]]; then keyctl verify; fi\n```\n\n"
            "See [[quartz-vault|the vault]] for where the keys live.\n")
    concepts = run([make_doc("notes/quartz-vault", "---\ntitle: Quartz Vault\n---\n"
                             "The Quartz Vault holds the signing keys.\n"),
                    make_doc("notes/shell-tests", note)])
    concept = named(concepts, "Shell tests")
    _code_untouched(concept.body, ['if [[ -f "$CONFIG" ]]; then keyctl verify; fi'])
    assert "[the vault](" in concept.body  # a wikilink outside code still resolves


@pytest.mark.parametrize(("text", "expected"), [
    # a record's indented snippet after prose; a tab indents to column 4 as well
    ("Run:\n\n    make all\n\tmake test\n\nDone.", [0, 0, 1, 1, 0, 0]),
    # an indented line continuing a paragraph is no code
    ("Run this\n    make all", [0, 0]),
    # a list item's indented continuation paragraph is prose; 4 more columns are code
    ("- step\n\n    more about the step\n\n      code in the step", [0, 0, 0, 0, 1]),
    # a fence is closed only by a fence of the same character at least as long
    ("````\n```\ninner\n```\n````\nafter", [1, 1, 1, 1, 1, 0]),
    ("~~~\n```\n~~~", [1, 1, 1]),
    # fences inside a block quote and inside a list item
    ("> ```\n> x = 1\n> ```\n> prose", [1, 1, 1, 0]),
    ("1. step\n\n    ```\n    code\n    ```\n\n    prose", [0, 0, 1, 1, 1, 0, 0]),
    # a fence interrupts a list item's paragraph; a thematic break ends a paragraph
    ("- item\n```\ncode\n```", [0, 1, 1, 1]),
    ("***\n    drawn", [0, 1]),
])
def test_code_lines_follow_commonmark(text: str, expected: list[int]) -> None:
    assert [int(flag) for flag in code_lines(text.split("\n"))] == expected


def test_code_spans_pair_runs_of_equal_length() -> None:
    line = "use ``a ` b`` or `c` but not \\`d`"
    assert [line[a:b] for a, b in code_spans(line)] == ["``a ` b``", "`c`"]


def test_a_source_link_written_as_code_is_kept_as_written() -> None:
    """Links into the source corpus are reduced to their text, but never inside code."""
    guide = ("# Linking pages\n\nWrite `[the design](design.md)` to link a page; the "
             "[design page](design.md) itself explains the layout of the Quartz Vault.\n\n"
             "The same in a block:\n\n    see [the design](design.md)\n")
    concept = next(c for c in _concepts(("linking", guide)) if "Write" in c.body)
    assert "`[the design](design.md)`" in concept.body
    assert "    see [the design](design.md)" in concept.body.splitlines()
    assert "the design page itself" in concept.body


def test_the_source_line_after_code_in_a_list_item_stays_in_the_item() -> None:
    """Written at the margin, it would end the list and orphan the item's next paragraph."""
    body = "1. Build it:\n\n   ```\n   make\n   ```\n\n   Then ship it."
    assert cite(body, "src-x").split("\n") == [
        "1. Build it:[^src-x]", "", "   ```", "   make", "   ```", "",
        "   Source.[^src-x]", "", "   Then ship it.[^src-x]"]


def test_a_fence_left_open_at_the_end_is_closed_before_its_source_line() -> None:
    # a pasted snippet whose closing fence was lost: the code runs to the end
    body = "Build the docs like this:\n\n~~~console\n$ make html\n$ make linkcheck"
    assert cite(body, "src-docs") == (
        "Build the docs like this:[^src-docs]\n\n~~~console\n$ make html\n$ make linkcheck"
        "\n~~~\n\nSource.[^src-docs]")
    # inside a list item, the fence closes at the item's column
    item = "- Then run:\n\n  ```\n  make all"
    assert cite(item, "src-x").endswith("  make all\n  ```\n\n  Source.[^src-x]")


def test_a_document_ending_in_an_open_fence_keeps_its_footnotes_out_of_the_code() -> None:
    howto = ("# Rebuilding the search index\n\nThe Quartz Vault search index is rebuilt by "
             "hand after a restore, from the admin host, with the two commands below.\n\n"
             "```sh\nvaultctl index drop\nvaultctl index build --all\n")
    concept = next(c for c in _concepts(("howto/reindex", howto)) if "vaultctl" in c.body)
    _code_untouched(concept.body, ["```sh", "vaultctl index drop", "vaultctl index build --all"])
    lines = concept.body.splitlines()
    fences = [i for i, line in enumerate(lines) if line.startswith("```")]
    assert len(fences) == 2  # opened and closed: what follows renders as markdown
    assert any(line.startswith("[^src-howto-reindex]: ") for line in lines[fences[1]:])


def test_a_link_beside_a_code_span_is_reduced_and_the_span_stays_code() -> None:
    """(How the cost grows with such lines is a benchmark: ``python -m benchmarks scaling``.)"""
    from dossier.extract.deterministic.shape import _reduce_local_links

    assert _reduce_local_links("See [a](a.md) or `[b](b.md)`.") == "See a or `[b](b.md)`."
