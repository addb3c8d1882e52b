"""The four real bundles written by others load, validate and round-trip losslessly."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from dossier.okf import Bundle, generate_indexes, parse_concept, render_concept
from dossier.okf.links import parse_links, relativize_links
from dossier.okf.validate import validate_bundle

EXPECTED = {"acme_retail", "crypto_bitcoin", "ga4", "stackoverflow"}


def test_the_four_bundles_are_present(shared_bundles: dict[str, Path]) -> None:
    assert set(shared_bundles) >= EXPECTED


def test_real_bundles_have_zero_conformance_errors(shared_bundles: dict[str, Path]) -> None:
    for name in sorted(EXPECTED):
        report = validate_bundle(shared_bundles[name], today=date(2026, 8, 1))
        assert report.ok, (name, [f for f in report.errors])
        assert report.concepts > 0


def test_every_real_concept_round_trips_without_loss(shared_bundles: dict[str, Path]) -> None:
    checked = 0
    for name in sorted(EXPECTED):
        bundle = Bundle(shared_bundles[name])
        for doc in bundle.iter_documents():
            rendered = render_concept(doc)
            again = parse_concept(rendered, doc.concept_id)
            assert again.frontmatter == doc.frontmatter, doc.concept_id
            assert list(again.frontmatter) == list(render_order(doc.frontmatter)), doc.concept_id
            # The body is kept byte for byte but for links: written relative, same targets.
            assert again.body == relativize_links(doc.body, doc.concept_id), doc.concept_id
            assert [link.target_id for link in parse_links(again.body, doc.concept_id)] == [
                link.target_id for link in parse_links(doc.body, doc.concept_id)
            ], doc.concept_id
            # Deterministic and idempotent: same bytes every time, and after a re-parse.
            assert render_concept(doc) == rendered
            assert render_concept(again) == rendered
            assert doc.concept.type  # the typed view accepts every real concept
            checked += 1
    assert checked >= 50


def render_order(frontmatter: dict[str, object]) -> list[str]:
    from dossier.okf.document import ordered_frontmatter

    return list(ordered_frontmatter(frontmatter))


def test_timestamps_stay_the_authors_text(shared_bundles: dict[str, Path]) -> None:
    doc = Bundle(shared_bundles["acme_retail"]).read("computations/revenue-ytd")
    assert doc.frontmatter["stale_after"] == "2026-12-31T00:00:00Z"
    assert doc.frontmatter["generated"]["at"] == "2026-06-30T14:00:00Z"
    assert "stale_after: '2026-12-31T00:00:00Z'" in render_concept(doc)
    concept = doc.concept
    assert concept.trust_tier == "human-reviewed"
    assert concept.runtime == "bigquery"


def test_unknown_keys_survive(shared_bundles: dict[str, Path]) -> None:
    doc = Bundle(shared_bundles["acme_retail"]).read("metrics/gross-margin")
    again = parse_concept(render_concept(doc), doc.concept_id)
    assert again.frontmatter["not"] == doc.frontmatter["not"]
    assert again.concept.model_extra is not None and "not" in again.concept.model_extra


def test_real_links_and_backlinks(shared_bundles: dict[str, Path]) -> None:
    bundle = Bundle(shared_bundles["crypto_bitcoin"])
    links = bundle.links_from("datasets/crypto_bitcoin")
    targets = {link.target_id for link in links}
    assert {"tables/blocks", "tables/transactions", "tables/inputs", "tables/outputs"} <= targets
    assert not any(link.broken for link in links)
    back = bundle.backlinks("tables/blocks")
    assert "datasets/crypto_bitcoin" in {link.source_id for link in back}
    assert all(link.target_id == "tables/blocks" for link in back)


def test_indexes_regenerate_on_a_copy(shared_bundles: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "acme"
    shutil.copytree(shared_bundles["acme_retail"], root)
    bundle = Bundle(root)
    written = generate_indexes(bundle)
    assert root / "index.md" in written
    assert generate_indexes(bundle) == []  # nothing changed, nothing written
    metrics = (root / "metrics" / "index.md").read_text(encoding="utf-8")
    assert metrics.startswith("# Metric\n\n* [Gross Margin](gross-margin.md) - ")
    report = validate_bundle(root, today=date(2026, 8, 1))
    assert report.ok
