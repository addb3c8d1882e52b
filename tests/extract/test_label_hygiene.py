"""Template field labels and role phrases are never concepts of their own.

``**Goal**: …`` opening agenda item after agenda item labels a field of a template; it
defines nothing.  "Project Directors" is a role in the plural, like "Project Director".
"""

from __future__ import annotations

from extract_helpers import make_doc, run


def _agenda(index: int, goal: str) -> str:
    colon = ":" if index else ""  # "**Goal** Agree …" and "**Goal**: Decide …"
    return (f"# Planning call {index}\n\n- Budget review (*Ana*)\n    - **Goal**{colon} {goal}\n"
            "    - The treasurer walked through the quarter and the spend on tugs.\n")


def test_a_bold_label_filled_in_again_and_again_is_no_concept() -> None:
    goals = ["Agree the tug budget for the summer season.",
             "Review the **Goal** wording with the treasurer.",
             "Decide who signs the pilot contract this year.",
             "Inform everyone about the dredging tender and its timeline."]
    concepts = run([make_doc(f"call{i}", _agenda(i, goal)) for i, goal in enumerate(goals)])
    assert not [c for c in concepts if c.title == "Goal" or "Goal" in c.aliases]


def test_a_role_in_the_plural_is_no_concept() -> None:
    docs = [make_doc(f"note{i}", f"# Note {i}\n\nThe Harbour Directors met the crew and the "
                                 "Harbour Directors agreed the rota for the week.\n")
            for i in range(3)]
    assert not [c for c in run(docs) if c.title == "Harbour Directors"]
