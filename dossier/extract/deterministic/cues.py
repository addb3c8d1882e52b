"""Type vocabulary and the cues that point at a type.

A consultant's onboarding material names its kinds of knowledge in predictable ways:
identifier prefixes (``DEC-``, ``RISK-``), heading words ("Decision", "Risks"), what the
whole document is (a decision log's sections are decisions) and words in the text
("likelihood", "mitigation").  These tables hold those cues in one place so the scan and
the assembly weigh them the same way.  They are generic English project vocabulary — no
client's names belong here.
"""

from __future__ import annotations

import re
from collections import Counter

DECISION = "Decision"
REQUIREMENT = "Requirement"
RISK = "Risk"
PROCESS = "Process"
SYSTEM = "System"
STAKEHOLDER = "Stakeholder"
GLOSSARY = "Glossary Term"
MEETING = "Meeting"
ACTION = "Action Item"
TOPIC = "Topic"
RELEASE = "Release"
ORGANIZATION = "Organization"

#: Concept folder per type (the first path segment of a concept id).
FOLDERS: dict[str, str] = {
    DECISION: "decisions",
    REQUIREMENT: "requirements",
    RISK: "risks",
    PROCESS: "processes",
    SYSTEM: "systems",
    STAKEHOLDER: "stakeholders",
    GLOSSARY: "glossary",
    MEETING: "meetings",
    ACTION: "action-items",
    TOPIC: "topics",
    RELEASE: "releases",
    ORGANIZATION: "organizations",
}

#: Deterministic tie-break order when two types score the same.
TYPE_ORDER = (DECISION, RISK, REQUIREMENT, SYSTEM, PROCESS, ACTION, GLOSSARY, STAKEHOLDER,
              MEETING, RELEASE, ORGANIZATION, TOPIC)

#: Identifier prefix → type.
PREFIX_TYPES: dict[str, str] = {
    **dict.fromkeys(["DEC", "ADR", "DECISION", "DR"], DECISION),
    **dict.fromkeys(["REQ", "FR", "NFR", "US", "STORY", "BR", "RQ"], REQUIREMENT),
    **dict.fromkeys(["RISK", "RSK", "RK", "RI", "CVE"], RISK),
    **dict.fromkeys(["SYS", "APP", "SYST"], SYSTEM),
    **dict.fromkeys(["ACT", "ACTION", "AI", "TASK", "TODO", "AP"], ACTION),
    **dict.fromkeys(["MTG", "MEET", "MIN"], MEETING),
    **dict.fromkeys(["PROC", "PRC", "BP", "PRO", "SOP"], PROCESS),
    **dict.fromkeys(["STK", "STAKE", "SH", "PER"], STAKEHOLDER),
    **dict.fromkeys(["GLO", "TERM", "GL"], GLOSSARY),
}

# Headings that are never a unit of knowledge on their own (their content still counts).
BOILERPLATE_HEADINGS = frozenset(
    ["agenda", "contents", "table of contents", "toc", "attendees", "participants",
     "present", "apologies", "distribution", "next steps", "revision history",
     "document history", "change log", "changelog", "document control", "version history",
     "references", "appendix", "appendices", "sign off", "sign-off", "approvals", "approval",
     "metadata", "document information", "about this document"]
)

# Headings that frame a document rather than name a thing: their content belongs to the
# document-level concept, not to a concept titled "Overview".
GENERIC_HEADINGS = frozenset(
    ["overview", "background", "summary", "executive summary", "context", "introduction",
     "intro", "purpose", "scope", "purpose and scope", "goals", "objectives",
     "goals and objectives", "notes", "general", "discussion", "findings", "observations",
     "pain points", "current state", "future state", "questions", "open questions",
     "open points", "open issues", "issues", "recommendations", "conclusion", "conclusions",
     "assumptions", "constraints", "dependencies", "status", "details", "misc",
     "miscellaneous", "other", "other business", "aob", "any other business", "comments",
     "feedback", "highlights", "key points", "key takeaways", "takeaways", "outcomes",
     "what good looks like", "success criteria", "components", "approach", "timeline",
     "plan", "solution", "design", "architecture", "current situation", "problem",
     "problem statement", "out of scope", "in scope", "glossary", "terms", "definitions",
     "abbreviations", "acronyms", "schema", "examples", "example", "joins", "usage",
     "subdirectories", "reference", "related", "see also", "faq", "summary of changes"]
)

# Plural/collective heading words that make a section a *container*: its children
# (subsections, table rows, list items) are concepts of that type.
_CONTAINER_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), t)
    for p, t in [
        (r"\b(decisions|decision log|decision register|adrs?)\b", DECISION),
        (r"\b(risks|risk register|raid|risks and issues|key risks|open risks)\b", RISK),
        (r"\b(requirements|user stories|backlog)\b", REQUIREMENT),
        (r"\b(action items|actions|action log|follow[- ]?ups|next steps|to[- ]?dos|tasks)\b",
         ACTION),
        (r"\b(systems|system inventory|application inventory|applications|landscape|"
         r"application portfolio|system landscape|inventory)\b", SYSTEM),
        (r"\b(stakeholders|stakeholder map|people|contacts|raci|team|roles)\b", STAKEHOLDER),
        (r"\b(glossary|terms|terminology|definitions|abbreviations|acronyms)\b", GLOSSARY),
        (r"\b(processes|flows|workflows|procedures)\b", PROCESS),
        (r"\b(meetings|minutes)\b", MEETING),
    ]
)

_OF_NAME = re.compile(r"\s+of\s+(?:the\s+)?[A-Z]")

# Singular heading cues: the section itself is a thing of that type.
_HEADING_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), t)
    for p, t in [
        (r"^(decision|adr)\b|\bdecision\b", DECISION),
        (r"^(risk)\b|\brisk\b", RISK),
        (r"^(requirement|user story)\b|\brequirement\b", REQUIREMENT),
        (r"^(action|action item|todo|task)\b", ACTION),
        (r"\b(process|workflow|procedure|flow|runbook|playbook|receiving|picking|"
         r"onboarding|run|cycle)\b", PROCESS),
        (r"\b(system|platform|application|database|portal|gateway|hub|erp|wms|tms|crm|"
         r"service|api|app|warehouse)\b", SYSTEM),
        (r"\b(stakeholder|sponsor)\b", STAKEHOLDER),
        (r"\b(meeting|workshop|interview|steering|stand-?up|call|sync|retro|review session|"
         r"minutes|transcript|kick-?off)\b", MEETING),
        (r"\b(glossary|term|definition)\b", GLOSSARY),
    ]
)

# Document kinds (from title/path) and the type their units default to.
_DOC_KIND_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), k)
    for p, k in [
        (r"\b(decision[- _]?log|decision[- _]?register|decisions|adrs?)\b", "decision-log"),
        (r"\b(risk[- _]?register|risk[- _]?log|raid|risks)\b", "risk-register"),
        (r"\b(glossary|terminology|definitions|abbreviations)\b", "glossary"),
        (r"\b(system[- _]?inventory|application[- _]?inventory|inventory|system[- _]?landscape|"
         r"application[- _]?portfolio)\b", "system-inventory"),
        (r"\b(requirements|backlog|user[- _]?stories|specification|spec)\b", "requirements"),
        (r"\b(stakeholders?|stakeholder[- _]?map|org[- _]?chart|raci|contacts)\b",
         "stakeholders"),
        (r"\b(transcript|minutes|meeting|workshop|interview|stand-?up|steering|call[- _]notes|"
         r"kick-?off|retro)\b", "meeting"),
        (r"\b(process|runbook|procedure|sop|playbook|workflow)\b", "process"),
        (r"\b(action[- _]?log|action[- _]?items)\b", "action-log"),
    ]
)

DOC_KIND_TYPES: dict[str, str] = {
    "decision-log": DECISION,
    "risk-register": RISK,
    "glossary": GLOSSARY,
    "system-inventory": SYSTEM,
    "requirements": REQUIREMENT,
    "stakeholders": STAKEHOLDER,
    "process": PROCESS,
    "action-log": ACTION,
}

#: Document kinds that are collections: the document itself is not a concept.
CONTAINER_KINDS = frozenset(DOC_KIND_TYPES) - {"process"}

# Body keywords: weak evidence (weight 1 per hit, at most 2 per type).  Matched on words,
# not with a regex alternation: this runs on every unit of every source.
_BODY_WORDS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"decided", "decision", "agreed", "superseded", "approved"}), DECISION),
    (frozenset({"likelihood", "probability", "mitigation", "contingency", "impact:"}), RISK),
    (frozenset({"must", "shall"}), REQUIREMENT),
    (frozenset({"step", "steps", "steps:", "workflow", "procedure"}), PROCESS),
    (frozenset({"vendor", "hosted", "saas", "on-premises", "database", "interface", "api",
                "module"}), SYSTEM),
    (frozenset({"owner:", "due:", "due"}), ACTION),
)
_BODY_WORD = re.compile(r"[a-z][a-z-]*:?")

# Table header words → the type of a row.
_HEADER_TYPES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"likelihood", "probability", "mitigation", "impact", "risk"}), RISK),
    (frozenset({"decision", "rationale", "decided"}), DECISION),
    (frozenset({"requirement", "priority", "moscow", "acceptance"}), REQUIREMENT),
    (frozenset({"system", "application", "vendor", "platform", "hosting", "technology"}),
     SYSTEM),
    (frozenset({"term", "definition", "meaning", "abbreviation", "acronym"}), GLOSSARY),
    (frozenset({"action", "task", "due"}), ACTION),
    (frozenset({"stakeholder", "person", "role", "email", "contact"}), STAKEHOLDER),
    (frozenset({"process", "step", "procedure"}), PROCESS),
)

ROLE_WORDS = frozenset(
    [
        "head", "director", "manager", "lead", "officer", "architect", "analyst", "engineer",
        "developer", "sponsor", "owner", "chief", "ceo", "cfo", "coo", "cto", "cio", "cdo", "cmo",
        "vp", "president", "consultant", "planner", "supervisor", "clerk", "coordinator",
        "specialist", "representative", "administrator", "controller", "accountant", "chair",
        "secretary", "partner", "principal", "associate", "intern", "assistant", "advisor",
        "adviser", "executive", "superintendent", "foreman",
    ]
)

MONTHS_AND_DAYS = frozenset(
    [
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
        "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday",
        "saturday", "sunday",
    ]
)


def prefix_type(identifier: str) -> str | None:
    return PREFIX_TYPES.get(identifier.split("-", 1)[0])


def heading_key(heading: str) -> str:
    """Lowercase letters only, parenthetical asides dropped ("Pain points (ranked)")."""
    heading = re.sub(r"\([^)]*\)", " ", heading)
    return " ".join(re.sub(r"[^a-z ]+", " ", heading.lower()).split())


def is_boilerplate(heading: str) -> bool:
    return heading_key(heading) in BOILERPLATE_HEADINGS


def is_generic(heading: str) -> bool:
    return heading_key(heading) in GENERIC_HEADINGS


def container_type(heading: str) -> str | None:
    """The type a plural heading gives its children ("Key risks" → Risk), or None.

    A kind word followed by "of" and a name ("Terms of Use", "Team of Teams") names one
    thing, not a collection of that kind.
    """
    if is_question(heading):
        return None
    for pattern, type_ in _CONTAINER_PATTERNS:
        match = pattern.search(heading)
        if match and not _OF_NAME.match(heading, match.end()) and not _inside_a_name(
                heading, match.start(), match.end()):
            return type_
    return None


#: words that may follow a collection word and leave it the heading's head noun
_COLLECTION_TAILS = frozenset(
    ["overview", "list", "log", "register", "summary", "table", "tracker", "so", "far",
     "to", "date", "agreed", "raised", "made", "taken", "open", "closed", "arising", "from",
     "for", "in", "and", "this", "week", "month", "quarter", "the", "meeting", "call",
     "review", "update", "updates", "status"])


def _inside_a_name(heading: str, start: int, end: int) -> bool:
    """A collection word right after a product's name and followed by more words is part
    of that name: "GitHub Actions integration" is a page about one integration, not a list
    of Action Items; "Project Risks and Mitigations", "Agreed Actions for Next Sprint" and
    "Key Decisions and Next Steps" stay collections."""
    before = heading[:start].split()
    after = re.findall(r"[a-z]+", heading[end:].lower())
    return bool(before) and _looks_like_a_name(before[-1]) and bool(after) and not all(
        w in _COLLECTION_TAILS for w in after)


def _looks_like_a_name(word: str) -> bool:
    """A product's or organisation's word: capitals inside it ("GitHub", "PowerShell") or
    all capitals ("AWS"); "Project", "Key", "Agreed" only open a heading in title case."""
    letters = word.strip("()[]\"'’,:")
    return (len(letters) >= 2 and letters.isupper()) or any(c.isupper() for c in letters[1:])


def is_question(heading: str) -> bool:
    """"Does it have an API?" asks about a thing; it is neither that thing nor a list."""
    return heading.rstrip(" *_").endswith("?")


def heading_type(heading: str) -> str | None:
    if is_question(heading):
        return None
    for pattern, type_ in _HEADING_PATTERNS:
        if pattern.search(heading):
            return type_
    return None


def doc_kind(title: str, path: str) -> str:
    """Kind of a whole document from its title first, then its file name."""
    for text in (title, re.sub(r"[_./-]+", " ", path.rsplit("/", 1)[-1])):
        for pattern, kind in _DOC_KIND_PATTERNS:
            if pattern.search(text):
                return kind
    return "document"


def body_type_scores(text: str) -> dict[str, int]:
    """Weak keyword evidence (≤ 2 per type); the opening of a body is enough to judge it."""
    counts = Counter(_BODY_WORD.findall(text[:3000].lower()))
    hits: dict[str, int] = {}
    for words, type_ in _BODY_WORDS:
        found = sum(counts[w] for w in words if w in counts)
        if found:
            hits[type_] = min(2, found)
    return hits


def header_type(headers: list[str]) -> str | None:
    words = {w for h in headers for w in re.findall(r"[a-z]+", h.lower())}
    best: tuple[int, int, str] | None = None
    for order, (cues, type_) in enumerate(_HEADER_TYPES):
        hits = len(words & cues)
        if hits and (best is None or (hits, -order) > (best[0], best[1])):
            best = (hits, -order, type_)
    return best[2] if best else None


def is_role_phrase(text: str) -> bool:
    words = re.findall(r"[a-z]+", text.lower())
    if words and words[-1].endswith("s") and words[-1][:-1] in ROLE_WORDS:
        words[-1] = words[-1][:-1]  # "Project Directors": the role, in the plural
    return bool(words) and (words[-1] in ROLE_WORDS or words[0] in ROLE_WORDS)
