"""Validation: every kind of bad input becomes a finding naming the file — fast, no traceback."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier.okf import BundleNotFoundError
from dossier.okf.validate import Finding, validate_bundle

GOOD = "---\ntype: Note\ntitle: Good\ndescription: Fine.\n---\nBody.\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "index.md").write_text('---\nokf_version: "0.2"\n---\n', encoding="utf-8")
    (bundle / "good.md").write_text(GOOD, encoding="utf-8")
    return bundle


def write(root: Path, rel: str, data: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")


def only(findings: list[Finding], path: str) -> list[tuple[int | None, str, str]]:
    return [(f.line, f.code, f.severity) for f in findings if f.path == path]


def test_clean_bundle_has_no_findings(root: Path) -> None:
    report = validate_bundle(root)
    assert report.ok and report.findings == [] and report.concepts == 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("# no frontmatter\n", [(1, "OKF001", "error")]),
        ("---\ntype: A\n", [(1, "OKF002", "error")]),
        ("---\ntype: A\ntitle: [oops\n---\n", [(4, "OKF003", "error")]),
        ("---\n- a list\n---\n", [(1, "OKF004", "error")]),
        ("---\n42\n---\n", [(1, "OKF004", "error")]),
        ("---\ntitle: T\ndescription: D\ntype: ''\n---\n", [(4, "OKF005", "error")]),
        ("---\ntitle: T\ndescription: D\n---\n", [(1, "OKF005", "error")]),
        (b"---\ntype: A\ntitle: \xff\xfe\n---\n", [(3, "OKF008", "error")]),
    ],
)
def test_conformance_errors(root: Path, data: str | bytes, expected: list[object]) -> None:
    write(root, "dir/bad.md", data)
    report = validate_bundle(root)
    assert not report.ok
    assert only(report.findings, "dir/bad.md") == expected
    assert all("dir/bad.md" not in f.message for f in report.findings)  # path is its own field


def test_oversized_file_is_reported_not_parsed(root: Path) -> None:
    write(root, "huge.md", b"---\ntype: A\n---\n" + b"a" * (10 * 1024 * 1024))
    start = time.perf_counter()
    report = validate_bundle(root)
    assert time.perf_counter() - start < 5
    assert only(report.findings, "huge.md") == [(None, "OKF007", "error")]


def test_alias_bomb_is_refused_fast(root: Path) -> None:
    lines = ["type: A", 'a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)]
    write(root, "bomb.md", "---\n" + "\n".join(lines) + "\n---\n")
    start = time.perf_counter()
    report = validate_bundle(root)
    assert time.perf_counter() - start < 2
    assert only(report.findings, "bomb.md") == [(1, "OKF006", "error")]


def test_symlink_loops_and_escapes_are_findings(root: Path, tmp_path: Path) -> None:
    os.symlink(root, root / "loop")
    os.symlink(root / "a.md", root / "b.md")
    os.symlink(root / "b.md", root / "a.md")
    outside = tmp_path / "secret.md"
    outside.write_text("---\ntype: Secret\n---\n", encoding="utf-8")
    os.symlink(outside, root / "leak.md")
    start = time.perf_counter()
    report = validate_bundle(root)
    assert time.perf_counter() - start < 2
    assert report.ok  # not conformance errors, but reported
    codes = {(f.path, f.code) for f in report.findings}
    assert ("loop", "OKF402") in codes
    assert ("a.md", "OKF402") in codes and ("b.md", "OKF402") in codes
    assert ("leak.md", "OKF401") in codes
    assert report.concepts == 1


def test_fifo_does_not_hang(root: Path) -> None:
    os.mkfifo(root / "pipe.md")
    report = validate_bundle(root)
    assert only(report.findings, "pipe.md") == [(None, "OKF403", "warning")]


def test_warnings(root: Path) -> None:
    write(
        root,
        "w.md",
        "---\n"
        "type: Attested Computation\n"  # 2: no runtime
        "status: retired\n"  # 3
        "generated: {by: somebody, at: yesterday}\n"  # 4
        "verified: {by: human:kim, at: 2026-01-01}\n"  # 5
        "stale_after: 2026-01-01T00:00:00Z\n"  # 6: stale on the day we pass
        "sources:\n"  # 7
        "  - id: s1\n"
        "    resource: https://a\n"
        "    author: team:x\n"
        "  - id: s1\n"
        "    title: no resource\n"
        "---\n"
        "Body [missing](/nowhere.md) and [up](../../x.md).[^s1] [^nope]\n"
        "```\n[^inside-code] [x](/ignored.md)\n```\n",
    )
    report = validate_bundle(root, today=date(2026, 6, 1))
    assert report.ok
    assert only(report.findings, "w.md") == [
        (1, "OKF101", "warning"),
        (1, "OKF102", "warning"),
        (2, "OKF110", "warning"),
        (3, "OKF111", "warning"),
        (4, "OKF107", "warning"),
        (4, "OKF108", "warning"),
        (5, "OKF108", "warning"),
        (6, "OKF109", "warning"),
        (7, "OKF105", "warning"),
        (7, "OKF106", "warning"),
        (7, "OKF107", "warning"),
        (14, "OKF103", "warning"),
        (14, "OKF103", "warning"),
        (14, "OKF104", "warning"),
    ]


def test_stale_depends_on_today(root: Path) -> None:
    write(
        root,
        "s.md",
        "---\ntype: A\ntitle: S\ndescription: D\nstale_after: 2026-06-15T00:00:00Z\n---\n",
    )
    assert only(validate_bundle(root, today=date(2026, 6, 14)).findings, "s.md") == []
    assert only(validate_bundle(root, today=date(2026, 6, 15)).findings, "s.md") == [
        (5, "OKF109", "warning")
    ]


def test_reserved_files(root: Path) -> None:
    write(
        root,
        "log.md",
        "---\ntype: Log\n---\n# History\n\n## 2026-07-01\n- a\n\n"
        "## July 2nd\n\n## 2026-08-01\n\n## 2026-07-01\n",
    )
    write(
        root,
        "sub/index.md",
        "---\ntitle: x\n---\n# Note\n\n* [Gone](gone.md) - missing\n* [Up](../good.md)\n",
    )
    write(root, "sub/c.md", GOOD)
    (root / "index.md").write_text('---\nokf_version: "9.9"\nextra: 1\n---\n', encoding="utf-8")
    report = validate_bundle(root)
    assert not report.ok
    assert only(report.findings, "log.md") == [
        (1, "OKF301", "warning"),
        (9, "OKF302", "error"),
        (11, "OKF303", "warning"),
        (13, "OKF304", "warning"),
    ]
    assert only(report.findings, "sub/index.md") == [
        (1, "OKF201", "warning"),
        (6, "OKF203", "warning"),
    ]
    assert only(report.findings, "index.md") == [(1, "OKF201", "warning"), (1, "OKF202", "warning")]


def test_missing_or_file_root_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(BundleNotFoundError) as info:
        validate_bundle(tmp_path / "nope")
    assert info.value.exit_code == 2
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(BundleNotFoundError, match="not a directory"):
        validate_bundle(tmp_path / "file")


def test_parallel_and_serial_agree(root: Path) -> None:
    for n in range(60):
        body = f"[next](/c{(n + 1) % 70}.md)\n"
        write(root, f"c{n}.md", f"---\ntype: N\ntitle: C{n}\n---\n{body}")
    write(root, "bad.md", "nope")
    serial = validate_bundle(root, workers=1, today=date(2026, 1, 1))
    parallel = validate_bundle(root, workers=2, today=date(2026, 1, 1))
    assert serial.findings == parallel.findings
    assert serial.concepts == parallel.concepts == 62


def test_report_json_shape(root: Path) -> None:
    write(root, "bad.md", "nope")
    data = validate_bundle(root).to_dict()
    assert data["ok"] is False and data["errors"] == 1 and data["warnings"] == 0
    assert data["findings"] == [
        {
            "path": "bad.md",
            "line": 1,
            "code": "OKF001",
            "severity": "error",
            "message": "no YAML frontmatter (the file must start with a '---' line)",
        }
    ]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: ("---\n" + t + "\n---\nbody").encode("utf-8")),
        st.text(alphabet="-:\n []{}&*!|>'\"#ab \t", max_size=120).map(
            lambda t: ("---\ntype: A\n" + t + "\n---\n").encode("utf-8")
        ),
    )
)
def test_arbitrary_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    root = tmp_path / "fuzz"
    root.mkdir(exist_ok=True)
    (root / "x.md").write_bytes(data)
    (root / "log.md").write_bytes(data)
    (root / "index.md").write_bytes(data)
    report = validate_bundle(root)
    assert all(f.path in {"x.md", "log.md", "index.md"} for f in report.findings)
    assert report.to_dict()["errors"] == len(report.errors)


def test_checked_concept_bytes_are_what_is_written_or_a_rule_coded_refusal() -> None:
    from dossier.okf import ConceptDocument
    from dossier.okf.document import MAX_DOCUMENT_BYTES, parse_concept, render_concept
    from dossier.okf.validate import checked_concept_bytes

    doc = ConceptDocument("notes/dock", {"type": "Note", "title": "Dock"}, "Twelve doors.\n")
    data, problem = checked_concept_bytes(doc)
    assert problem is None and data == render_concept(doc).encode("utf-8")
    assert parse_concept(data.decode("utf-8"), "notes/dock").body == "Twelve doors.\n"

    untyped = ConceptDocument("notes/dock", {"title": "Dock"}, "x\n")
    assert checked_concept_bytes(untyped)[1] == (
        "OKF005 frontmatter has no 'type' (the one required key)"
    )
    huge = ConceptDocument("notes/dock", {"type": "Note"}, "x" * MAX_DOCUMENT_BYTES)
    data, problem = checked_concept_bytes(huge)
    assert data == b"" and problem is not None and problem.startswith("OKF007 ")
