"""Which passage of a found concept a hit quotes (dossier/serve/passage_choice.py).

Two ways the chooser went wrong on real notes (issue 10), each rebuilt here in a
hand-made tenant:

* words of the concept's title, which every section of a note is about, made a
  section that only talks *about* the topic outrank the section holding the answer;
* a two-word line under a heading (a settings fragment) won on length normalisation
  alone against the paragraph the whole-tenant ranking put first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dossier.serve import search
from dossier.serve.passage_choice import choose_passage
from dossier.tenancy import Registry, TenantContext

Put = Callable[..., None]
Commit = Callable[[TenantContext, str, str], str]

ANSWER = "Set `scrollback.keep true` and the window holds its history when it comes back up."

BODY = "\n".join(
    [
        "## Where the terminal settings live",
        "",
        "Terminal settings sit in one file. Every terminal setting has a default, and the "
        "terminal settings file is read again on restart.[^src-notes]",
        "",
        "## Calmer restart colours",
        "",
        "`restart.colours calm`[^src-notes]",
        "",
        "## History",
        "",
        f"{ANSWER} Without it a restart clears the scrollback.[^src-history]",
        "",
        "## Fonts",
        "",
        "`font.family mono` picks the font; sizes follow the desktop.[^src-notes]",
        "",
        "[^src-notes]: Notes, lines 1-30",
        "[^src-history]: Notes, lines 12-14",
        "",
    ]
)


def tenant(tmp_path: Path, put: Put, commit: Commit) -> TenantContext:
    ctx = Registry(tmp_path / "tenants").provision("acme")
    put(
        ctx,
        "notes/terminal-settings",
        BODY,
        type="Note",
        title="Terminal settings",
        description="How my terminal is set up.",
        sources=[
            {"id": "src-notes", "resource": "../../sources/notes/terminal.md#L1-L30"},
            {"id": "src-history", "resource": "../../sources/notes/terminal.md#L12-L14"},
        ],
    )
    for name in ("colours", "keys", "shell"):
        put(
            ctx,
            f"notes/{name}",
            f"Notes on {name}: the scrollback and the restart of the {name} setup.\n",
            type="Note",
            title=f"{name.title()} notes",
        )
    commit(ctx, "run-1", "learn the terminal notes")
    return ctx


def test_title_words_and_short_fragments_do_not_outrank_the_answer(
    tmp_path: Path, put_concept: Put, commit_iteration: Commit
) -> None:
    ctx = tenant(tmp_path, put_concept, commit_iteration)
    hits = search(ctx, "Which terminal setting keeps the scrollback after a restart?", limit=3)
    top = hits[0]
    assert top.id == "notes/terminal-settings"
    assert "scrollback.keep true" in top.snippet
    assert top.passage is not None and top.passage.heading == ["History"]
    assert top.citation is not None
    assert (top.citation.line_start, top.citation.line_end) == (12, 14)


def _row(ordinal: int, heading: list[str], text: str) -> dict[str, object]:
    return {
        "pid": f"notes/editor#{ordinal}",
        "id": "notes/editor",
        "ordinal": ordinal,
        "heading": heading,
        "text": text,
        "text_offset": 0,
        "title": "Editor tweaks",
    }


def test_a_two_word_line_does_not_beat_the_paragraph_the_index_ranks_first() -> None:
    """The passages the index returned for one concept, with their index scores: the
    short line shares more query words in its heading, the paragraph answers."""
    rows = [
        _row(1, ["Reopen Files Faster"], "`files.reopen fast`"),
        _row(
            2,
            ["Pick up where you stopped"],
            "Turn on `restore.cursor` and the editor puts the cursor back on the line it was "
            "on when the file was closed, so you carry on where you left off.",
        ),
        _row(3, ["Themes"], "Dark theme at night, light theme by day, following the desktop."),
        _row(4, ["Fonts"], "A monospaced font with clear zeros, size fourteen on the laptop."),
    ]
    index_scores = {"notes/editor#1": 7.0, "notes/editor#2": 9.5, "notes/editor#3": 1.0,
                    "notes/editor#4": 1.0}
    choice = choose_passage(
        "Which option makes the editor reopen a file at the line where I stopped?",
        rows,
        index_scores,
    )
    assert choice is not None
    assert choice.best["ordinal"] == 2
    assert "restore.cursor" in choice.quote({}).text()
