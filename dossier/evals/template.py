"""The commented example gold file ``dossier eval TENANT --init`` writes."""

from __future__ import annotations

GOLD_TEMPLATE = """\
# Gold set of this tenant: what `dossier eval` measures the bundle against (docs/evals.md).
# Commit it: its history is the history of what "right" means for this client.
#
# Paths are source paths as registered: relative to the folder given to
# `dossier provision --source` / `dossier ingest` (a registered single file: its name).
#
# questions: what a user asks, which source documents answer it, and words of the answer.
#   q       - the question, as a user would type it
#   expect  - the source paths that answer it (a result "hits" when it cites one of them)
#   answer  - a short string the right text contains (matched ignoring case, whitespace
#             and Markdown emphasis/link markup)
questions:
  - q: Which database did we choose for the order service, and why?
    expect:
      - decisions/0003-order-database.md
    answer: PostgreSQL

# concepts: the things a careful human would make their own concept.
#   title   - the canonical name; aliases - other names the concept may carry
#             (matching is by title or alias, case- and punctuation-insensitive,
#             a trailing plural tolerated)
#   type    - the one best OKF type (Decision, Requirement, Risk, System, Stakeholder,
#             Glossary Term, Meeting, Action Item, Topic, ...)
#   sources - where the concept is defined: path and 1-based inclusive lines "A-B"
concepts:
  - title: "ADR 3: Use PostgreSQL for the order service"
    type: Decision
    aliases: ["ADR-0003"]
    sources:
      - path: decisions/0003-order-database.md
        lines: "1-20"

# links (optional): relationships the text states; each end is a title or alias above.
# links:
#   - {from: "ADR-0003", to: "Order Service"}
"""
