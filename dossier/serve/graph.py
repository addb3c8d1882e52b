"""``dossier graph``: one self-contained HTML page that shows what a tenant learned.

The page carries its data and its code inline (no network at view time, so it can
be mailed to a client or opened from an archive): the concepts as nodes coloured by
type, the links between them as edges, a search box, and a panel that opens a
concept with its description, body and the sources it cites.

The data is embedded as JSON in a ``<script type="application/json">`` element and
read with ``JSON.parse``; every piece of tenant text reaches the page through
``textContent``, never ``innerHTML``, so a concept body cannot inject markup.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from dossier.okf import Bundle, parse_links
from dossier.tenancy import TenantContext

#: Bodies are cut for the page: the panel shows the start of a concept, the file
#: has the rest, and a 10,000-concept bundle stays a page a browser opens.
MAX_BODY_CHARS = 3000


@dataclass(frozen=True)
class GraphSummary:
    """What was written: for ``--json`` and the CLI's one-line report."""

    path: Path
    nodes: int
    edges: int
    types: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "nodes": self.nodes, "edges": self.edges,
                "types": self.types}


def graph_data(ctx: TenantContext, output: Path) -> dict[str, Any]:
    """Nodes and edges of the tenant's bundle; source links relative to ``output``."""
    bundle = Bundle(ctx.bundle_dir)
    nodes: list[dict[str, Any]] = []
    edges: list[tuple[str, str]] = []
    documents = list(bundle.iter_documents(skip_invalid=True))
    known = {doc.concept_id for doc in documents}
    out_dir = output.parent
    for doc in documents:
        fm = doc.frontmatter
        concept_dir = bundle.path_for(doc.concept_id).parent
        nodes.append({
            "id": doc.concept_id,
            "type": str(fm.get("type") or "Unknown"),
            "title": str(fm.get("title") or doc.concept_id),
            "description": str(fm.get("description") or ""),
            "status": str(fm.get("status") or ""),
            "tags": [str(t) for t in fm.get("tags") or [] if isinstance(t, (str, int))],
            "sources": _sources(fm.get("sources"), concept_dir, bundle.root, out_dir),
            "file": _relative(bundle.path_for(doc.concept_id), out_dir),
            "body": doc.body[:MAX_BODY_CHARS],
        })
        seen: set[str] = set()
        for link in parse_links(doc.body, doc.concept_id, exists=known.__contains__):
            target = link.target_id
            if target and not link.broken and target != doc.concept_id and target not in seen:
                seen.add(target)
                edges.append((doc.concept_id, target))
    return {"tenant": ctx.client_id, "nodes": nodes, "edges": edges}


def _sources(
    raw: Any, concept_dir: Path, bundle_root: Path, out_dir: Path
) -> list[dict[str, str]]:
    """A concept's cited sources, each with a link that works from the page's folder.

    A relative resource resolves from the concept's folder; a leading ``/`` is
    bundle-absolute (OKF), so it resolves from the bundle root, never the filesystem's.
    """
    if not isinstance(raw, list):
        return []
    cited: list[dict[str, str]] = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        resource = str(entry.get("resource") or "")
        title = str(entry.get("title") or entry.get("id") or resource)
        href = ""
        if resource and "://" not in resource:
            path_part, _, fragment = resource.partition("#")
            base = bundle_root if path_part.startswith("/") else concept_dir
            target = os.path.normpath(base / path_part.lstrip("/"))
            href = os.path.relpath(target, out_dir) + (f"#{fragment}" if fragment else "")
        elif resource.startswith(("https://", "http://")):
            href = resource
        cited.append({"title": title, "resource": resource, "href": href})
    return cited


def _relative(path: Path, out_dir: Path) -> str:
    return os.path.relpath(path, out_dir)


def _embed(data: dict[str, Any]) -> str:
    """JSON safe inside a ``<script>`` element: no ``</``, no ``<!--``, no line separators."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_page(data: dict[str, Any]) -> str:
    """The whole page: template with the data, style and script inlined."""
    assets = resources.files("dossier.serve") / "graph_assets"
    template = (assets / "page.html").read_text(encoding="utf-8")
    script = (assets / "graph.js").read_text(encoding="utf-8")
    style = (assets / "graph.css").read_text(encoding="utf-8")
    title = f"Dossier — {data['tenant']}"
    return (
        template.replace("{{title}}", title)
        .replace("{{style}}", style)
        .replace("{{data}}", _embed(data))
        .replace("{{script}}", script)
    )


def write_graph(ctx: TenantContext, output: Path) -> GraphSummary:
    """Render the tenant's graph to ``output`` (atomically) and say what it holds."""
    from dossier.fsutil import atomic_write_bytes

    output = output.expanduser().resolve()
    data = graph_data(ctx, output)
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(output, render_page(data).encode("utf-8"))
    types: dict[str, int] = {}
    for node in data["nodes"]:
        types[node["type"]] = types.get(node["type"], 0) + 1
    return GraphSummary(output, len(data["nodes"]), len(data["edges"]), dict(sorted(types.items())))
