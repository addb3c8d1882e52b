"""HTML documentation pages: the page is a concept, the things it defines are concepts too.

Ingest turns an HTML page into a markdown-like snapshot (``dossier/ingest/htmltext.py``):
``<h1>``–``<h6>`` become headings, ``<dl>`` entries become ``- term—definition`` items and
tables become pipe tables.  A manual page is about one subject (its title); its sections
explain that subject and stay inside the page's concept.  What the page *defines* stands
on its own, typed by the form of its name, never by a list of products or headings:

- a heading that is a code name (``MailLogger``, ``build.sysclasspath``, ``--dry-run``,
  ``CACHE_DIR``) or that sits at the page title's own level (a page holding several
  subjects) is a concept of its own;
- a definition item whose term is a code name (``ANT_OPTS—arguments for the JVM``);
- a row of an options table (first column Option/Attribute/Property/Parameter …, with a
  description column), or of any table whose first column holds code names;
- a run of list items naming people (``Jane Roe (jane@example.org)``): Stakeholders;
- an opening sentence "X is a … tool/library/server …" defines the product X: a System.

A page whose title is a code name, or whose opening sentence defines its own title
("A target is …"), is a Glossary Term (a class-like name: a System); any other page a
Topic.  Tables of another kind (task lists, comparison grids) stay in the page body, so a
"Task" column in a manual never makes Action Items.
"""

from __future__ import annotations

import re
from dataclasses import replace

from dossier.extract.deterministic import cues
from dossier.extract.deterministic.kinds import Shape
from dossier.extract.deterministic.markdown import ParsedDoc, Section, Table
from dossier.extract.deterministic.tables import row_units
from dossier.extract.model import Definition, Unit
from dossier.extract.text import (
    capitalize_first,
    collapse,
    ensure_period,
    first_sentence,
    singular,
    strip_markdown,
    truncate,
)

DOCS_PAGE = "docs-page"

_HTML_PATH = re.compile(r"\.(?:x?html?|xht)$", re.I)
#: one token written as code: dotted names, CamelCase, UPPER_SNAKE, command-line options
_CODE_FORMS = (
    re.compile(r"^[A-Za-z_$][\w$-]*(?:[.:][A-Za-z_$][\w$-]*)+$"),  # build.sysclasspath
    re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$"),  # MailLogger
    re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]*)+$"),  # camelCase
    re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$"),  # ANT_OPTS
    re.compile(r"^--?[a-z][\w-]*$"),  # --verbose
    re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$"),  # max_connections
)
_CLASS_LIKE = re.compile(r"(?:^|\.)[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$")
_DEF_ITEM = re.compile(
    r"^(?P<indent>\s*)[-*+]\s+(?:\*\*|`)?(?P<term>[^\s—–:`*]{2,80})(?:\*\*|`)?"
    r"\s*(?:—|–|\s-\s|:)\s*(?P<text>\S.*)$")
_PERSON_ITEM = re.compile(
    r"^\s*[-*+]\s+(?P<name>[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|van|von|de|der|da|di|le)){1,4})"
    r"\s*(?:\((?P<paren>[^)]*)\)|<[^>]*>)?\s*$")
_OPTION_HEADERS = re.compile(
    r"^(?:option|options|attribute|attributes|property|properties|parameter|parameters|"
    r"param|setting|settings|variable|variables|argument|arguments|flag|flags|key|field|"
    r"element|name)$", re.I)
_DESCRIPTION_HEADERS = re.compile(r"descri|meaning|purpose|explanation|definition", re.I)
_SYSTEM_GENUS = re.compile(
    r"\b(?:tool|library|framework|server|service|platform|application|system|engine|"
    r"database|compiler|runtime|toolkit|utility|program|package|plugin|plug-in|daemon|"
    r"broker|queue|cache|store|gateway|proxy|editor|shell|client|driver|sdk|api)s?\b",
    re.I)
_OPENING_DEFINITION = re.compile(
    r"^(?:(?:an?|the)\s+)?(?P<subject>[A-Z\w][\w .+#-]{0,60}?)\s+(?:is|are)\s+"
    r"(?:an?\s+|the\s+)?(?P<rest>.+)$", re.I)


def is_docs_page(path: str) -> bool:
    """An HTML source: ingest wrote its snapshot from a web page."""
    return bool(_HTML_PATH.search(path.strip()))


def is_code_name(text: str) -> bool:
    """Is ``text`` one token written the way code names things?"""
    text = text.strip().strip("`")
    return 2 <= len(text) <= 80 and any(form.match(text) for form in _CODE_FORMS)


def code_type(name: str) -> str:
    """A class-like name (``MailLogger``, ``a.b.MailLogger``) is a System; others a term."""
    return cues.SYSTEM if _CLASS_LIKE.search(name.strip("`")) else cues.GLOSSARY


def _openings(doc: ParsedDoc, start: int, end: int, count: int = 2) -> list[tuple[int, str]]:
    """The first ``count`` prose lines of lines ``start``..``end`` (1-based), numbered."""
    out: list[tuple[int, str]] = []
    for number in range(start, min(end, len(doc.lines)) + 1):
        line = doc.lines[number - 1].strip()
        if not line or number in doc.heading_at or doc.in_code[number - 1]:
            continue
        if line.startswith(("|", "-", "*", ">", "```")) or len(out) >= count:
            break
        out.append((number, strip_markdown(line)))
    return out


def _opening(doc: ParsedDoc, start: int, end: int) -> tuple[int, str] | None:
    found = _openings(doc, start, end, 1)
    return found[0] if found else None


def _about(doc: ParsedDoc, start: int, end: int, subject: str) -> bool:
    """Does the opening (first two prose lines) define ``subject`` or start with it?"""
    if len(subject.split()) > 3:
        return False
    for _number, line in _openings(doc, start, end):
        if _defines(line, subject) or (
                len(subject.split()) <= 2 and line.lower().startswith(subject.lower() + " ")):
            return True
    return False


def _defines(sentence: str, subject: str) -> bool:
    match = _OPENING_DEFINITION.match(sentence)
    if match is None:
        return False
    said = [singular(w.lower()) for w in match.group("subject").split()]
    meant = [singular(w.lower()) for w in re.split(r"[\s-]+", subject) if w]
    return bool(said) and said[-len(meant):] == meant if meant else False


def _page_type(doc: ParsedDoc, title: str, body_start: int, n: int) -> str:
    if is_code_name(title):
        return code_type(title)
    return cues.GLOSSARY if _about(doc, body_start, n, title) else cues.TOPIC


def shape_page(doc: ParsedDoc, title: str, title_section: Section | None, n: int) -> Shape:
    """The page's concept and the units of what it defines."""
    body_start = title_section.content_start if title_section is not None else 1
    shape = Shape(DOCS_PAGE, _page_type(doc, title, body_start, n), title)
    shape.aliases += _aliases(title, shape.type)
    taken: set[int] = set()
    # a page without one title heading may hold several subjects, one per level-1 heading
    several = title_section is None and sum(
        1 for s in doc.root.children if s.level == 1) > 1
    title_key = title.strip().lower()

    def visit(section: Section) -> None:
        heading = collapse(strip_markdown(section.heading)).strip()
        plain = heading.strip("`")
        own_subject = several and section.level == 1
        if plain.lower() != title_key and (is_code_name(plain) or own_subject):
            type_ = code_type(plain) if is_code_name(plain) else _section_type(doc, section,
                                                                              heading)
            if not any(section.line <= t <= section.end for t in taken):
                taken.update(range(section.line, section.end + 1))
                shape.children.append(Unit(
                    kind="section", title=truncate(plain, 100), identifier=None, aliases=(),
                    type_hint=type_, type_weight=4, body="", start=section.line,
                    end=section.end, local=not is_code_name(plain), parent=title,
                    # when its own text has no sentence to describe it (only an example)
                    description=f"{plain}, as documented in {title}.",
                ))
                return
        for child in section.children:
            visit(child)

    for section in doc.root.children:
        if section is title_section:
            for child in section.children:
                visit(child)
        else:
            visit(section)
    shape.children.extend(_definition_items(doc, title, taken, n))
    shape.children.extend(_people(doc, title, n))
    product = _product(doc, body_start, n, title)
    if product is not None:
        shape.children.append(product)
    return shape


def _aliases(title: str, type_: str) -> list[str]:
    """``Build & Deploy`` is also asked for as "Build and Deploy"; a term by its singular."""
    out = []
    if "&" in title:
        out.append(collapse(title.replace("&", " and ")))
    words = title.split()
    if type_ == cues.GLOSSARY and 1 <= len(words) <= 3 and not is_code_name(title):
        one = singular(words[-1].lower())
        if one != words[-1].lower():
            out.append(" ".join([*words[:-1], words[-1][:1] + one[1:]]))
    return out


def _section_type(doc: ParsedDoc, section: Section, heading: str) -> str:
    # "Widgets are …" under "Widgets": a short noun heading whose opening sentence is
    # about it names a term the page defines
    return cues.GLOSSARY if _about(doc, section.content_start, section.end, heading) else (
        cues.TOPIC)


def _definition_items(doc: ParsedDoc, title: str, taken: set[int], n: int) -> list[Unit]:
    """Definition-list entries whose term is a code name.

    Ingest writes a ``<dl>`` either as ``- TERM—definition`` items or as the term alone
    on a line with its definition as the next paragraph; both are read here.
    """
    out: list[Unit] = []
    for index in range(n):
        number = index + 1
        if doc.in_code[index] or number in taken or number in doc.heading_at:
            continue
        line = doc.lines[index]
        match = _DEF_ITEM.match(line)
        end = number
        if match is not None and is_code_name(match.group("term")):
            term = match.group("term").strip("`")
            text = collapse(strip_markdown(match.group("text")))
            indent = len(match.group("indent"))
            while end < n and doc.lines[end].strip() and end + 1 not in doc.heading_at and (
                    len(doc.lines[end]) - len(doc.lines[end].lstrip()) > indent):
                end += 1
        else:
            following = _standalone_definition(doc, index, n)
            if following is None:
                continue
            term = line.strip().strip("`")
            end, text = following
        body = "\n".join(doc.lines[i - 1].strip() for i in range(number, end + 1))
        out.append(Unit(
            kind="item", title=term, identifier=None, aliases=(), type_hint=code_type(term),
            type_weight=4, body=f"From {title}:\n\n{body}", start=number, end=end,
            description=truncate(text[:1].upper() + text[1:], 200), parent=title,
        ))
    return out


def _standalone_definition(doc: ParsedDoc, index: int, n: int) -> tuple[int, str] | None:
    """A code name alone on its line, then a prose paragraph: (its last line, its text)."""
    line = doc.lines[index].strip()
    if not is_code_name(line) or (index > 0 and doc.lines[index - 1].strip()):
        return None
    after = index + 1
    if after < n and not doc.lines[after].strip():
        after += 1
    if after >= n or after + 1 in doc.heading_at or doc.in_code[after]:
        return None
    paragraph = doc.lines[after].strip()
    if not paragraph or paragraph.startswith(("|", "#", "-", "*")) or is_code_name(paragraph):
        return None
    return after + 1, collapse(strip_markdown(paragraph))


def _people(doc: ParsedDoc, title: str, n: int) -> list[Unit]:
    """A run of 3+ list items that are each a person's name (an e-mail in brackets)."""
    out: list[Unit] = []
    run: list[tuple[int, str, bool]] = []

    def flush() -> None:
        if len(run) >= 3 and any(mail for _, _, mail in run):
            for number, name, _mail in run:
                out.append(Unit(
                    kind="item", title=name, identifier=None, aliases=(),
                    type_hint=cues.STAKEHOLDER, type_weight=3,
                    body=f"Named in {title}.", start=number, end=number, parent=title,
                    description=f"Named in {title}.",
                ))
        run.clear()

    for index in range(n):
        line = doc.lines[index]
        if not line.strip():
            continue
        match = _PERSON_ITEM.match(line) if not doc.in_code[index] else None
        paren = match.group("paren") if match is not None else None
        if match is None or (paren is not None and "@" not in paren):
            flush()
            continue
        run.append((index + 1, collapse(match.group("name")), bool(paren)))
    flush()
    return out


def _product(doc: ParsedDoc, start: int, n: int, title: str) -> Unit | None:
    """``Apache Foo is a Java-based build tool``: the product a page introduces."""
    opening = _opening(doc, start, n)
    if opening is None:
        return None
    number, line = opening
    match = _OPENING_DEFINITION.match(line)
    if match is None:
        return None
    subject = match.group("subject").strip()
    words = subject.split()
    genus = re.split(r"[.;]", match.group("rest"), maxsplit=1)[0]
    if not (1 <= len(words) <= 4 and all(w[:1].isupper() for w in words)
            and _SYSTEM_GENUS.search(" ".join(genus.split()[:6]))
            and subject.lower() != title.lower()):
        return None
    return Unit(
        kind="item", title=subject, identifier=None, aliases=(), type_hint=cues.SYSTEM,
        type_weight=4, body=f"From {title}:\n\n{line}", start=number, end=number,
        description=truncate(line, 200), parent=title,
    )


def table_units(table: Table, page: str, definitions: list[Definition]) -> list[Unit]:
    """Rows of an options table, or of a table whose first column holds code names.

    Only rows named by a code name stand alone: an attribute called ``name`` or ``if``
    means something different on every page, so it stays in its page's table.  Each row
    says which page it belongs to, so it links back there.
    """
    headers = [strip_markdown(h).strip() for h in table.headers]
    if len(headers) < 2 or not table.rows:
        return []
    firsts = [strip_markdown(cells[0]).strip() for _, cells in table.rows if cells]
    coded = sum(1 for v in firsts if is_code_name(v))
    options = bool(_OPTION_HEADERS.match(headers[0])) and any(
        _DESCRIPTION_HEADERS.search(h) for h in headers[1:])
    if not options and coded < max(2, 0.8 * len(firsts)):
        return []
    cells_at = {line: cells for line, cells in table.rows}
    units = row_units(table, cues.GLOSSARY, definitions)
    return [replace(u, type_hint=code_type(u.title), type_weight=4,
                    body=f"From {page}:\n\n{u.body}", parent=page,
                    description=u.description or _row_description(cells_at.get(u.start, [])))
            for u in units if is_code_name(u.title)]


def _row_description(cells: list[str]) -> str | None:
    """A row with no description column is described by its first other value."""
    for cell in cells[1:]:
        text = collapse(strip_markdown(cell))
        if text:
            return truncate(ensure_period(capitalize_first(first_sentence(text))), 200)
    return None
