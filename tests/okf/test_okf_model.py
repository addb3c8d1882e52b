"""Trust tiers (§5.3), lifecycle (§5.4) and staleness (§5.5) derived from frontmatter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dossier.okf import Concept


def concept(**fields: object) -> Concept:
    return Concept.model_validate({"type": "Metric", **fields})


def test_trust_tiers() -> None:
    assert concept().trust_tier == "unverified"
    assert concept(verified=[]).trust_tier == "unverified"
    assert concept(
        verified=[{"by": "process:nightly", "at": "2026-01-01T00:00:00Z"}]
    ).trust_tier == ("machine-confirmed")
    assert concept(verified={"by": "agent/1.0"}).trust_tier == "machine-confirmed"
    mixed = [{"by": "process:nightly"}, {"by": "human:kim", "at": "2026-01-02T00:00:00Z"}]
    assert concept(verified=mixed).trust_tier == "human-reviewed"


def test_bare_verified_mapping_is_a_one_element_list() -> None:
    c = concept(verified={"by": "human:ahormati", "at": "2026-06-25T09:00:00Z"})
    assert len(c.verified) == 1
    assert c.verified[0].by == "human:ahormati"
    assert c.verified[0].at == "2026-06-25T09:00:00Z"


def test_effective_status() -> None:
    assert concept().effective_status == "stable"
    assert concept(status="draft").effective_status == "draft"
    assert concept(status="deprecated").effective_status == "deprecated"
    odd = concept(status="retired")  # unknown: read as absent, kept in the raw mapping
    assert odd.status is None and odd.effective_status == "stable"


@pytest.mark.parametrize(
    ("stale_after", "now", "stale"),
    [
        ("2026-09-23T00:00:00Z", datetime(2026, 9, 22, 23, 59, tzinfo=UTC), False),
        ("2026-09-23T00:00:00Z", datetime(2026, 9, 23, 0, 0, tzinfo=UTC), True),  # now >= limit
        ("2026-09-23T00:00:00+02:00", datetime(2026, 9, 22, 22, 30, tzinfo=UTC), True),
        ("2026-09-23T00:00:00", datetime(2026, 9, 23, 0, 0, tzinfo=UTC), True),  # naive = UTC
        ("2026-09-23", datetime(2030, 1, 1, tzinfo=UTC), False),  # date-only: not an instant
        ("next spring", datetime(2030, 1, 1, tzinfo=UTC), False),
        (None, datetime(2030, 1, 1, tzinfo=UTC), False),
    ],
)
def test_staleness(stale_after: str | None, now: datetime, stale: bool) -> None:
    assert concept(stale_after=stale_after).is_stale(now) is stale


def test_staleness_with_naive_now_and_default_clock() -> None:
    c = concept(stale_after="2000-01-01T00:00:00Z")
    assert c.is_stale(datetime(2000, 1, 1, 0, 0)) is True
    assert c.is_stale() is True
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    assert concept(stale_after=future).is_stale() is False
    east = timezone(timedelta(hours=5))
    limit = concept(stale_after="2026-01-01T05:00:00+05:00")
    assert limit.is_stale(datetime(2026, 1, 1, 4, 59, tzinfo=east)) is False
    assert limit.is_stale(datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) is True


def test_human_ownership() -> None:
    assert concept(generated={"by": "human:kim"}).is_human_owned
    assert concept(verified=[{"by": "human:kim"}]).is_human_owned
    assert not concept(
        generated={"by": "dossier/0.1.0"}, verified={"by": "process:x"}
    ).is_human_owned


def test_lenient_reading_of_odd_shapes() -> None:
    c = concept(tags="single", title=2024, sources={"resource": "https://x"})
    assert c.tags == ["single"]
    assert c.title == "2024"
    assert c.sources[0].resource == "https://x"
    assert concept(sources=[{"id": "s"}]).sources[0].resource == ""  # validate warns
    assert (
        concept(sources=[{"resource": "r", "usage_count": "5,000"}]).sources[0].usage_count == 5000
    )


def test_datetimes_given_by_code_become_text() -> None:
    c = concept(
        stale_after=datetime(2026, 1, 1, tzinfo=UTC),
        generated={"by": "a/1", "at": datetime(2026, 1, 2, tzinfo=UTC)},
    )
    assert c.stale_after == "2026-01-01T00:00:00Z"
    assert c.generated is not None and c.generated.at == "2026-01-02T00:00:00Z"


def test_type_is_required_and_non_empty() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Concept.model_validate({"title": "x"})
    with pytest.raises(ValidationError):
        Concept.model_validate({"type": "  "})
