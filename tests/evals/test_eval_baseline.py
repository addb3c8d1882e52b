"""CI holds Dossier to its recorded eval figures (evals/baseline.json).

One throw-away tenant per corpus — fixtures/acme and every corpus of
../shared/devpack — gets one loop iteration and an eval; any figure worse than the
recorded one fails, naming it.  Re-record deliberately, in the commit that moves a
figure: ``python -m dossier.evals.suite --write evals/baseline.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dossier.evals.suite import (
    BASELINE_FILE,
    REPO_ROOT,
    corpora,
    devpack_dir,
    measure_corpus,
    regressions,
)

RECORDED: dict[str, dict[str, float | None]] = json.loads(
    BASELINE_FILE.read_text(encoding="utf-8")
)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RECORDED))
def test_no_recorded_figure_gets_worse(name: str, tmp_path: Path) -> None:
    available = corpora(REPO_ROOT)
    if name not in available:
        assert name.startswith("devpack/"), f"fixture corpus {name} is missing"
        pytest.skip(f"{devpack_dir()} is absent; CI always has it")
    current, seconds = measure_corpus(available[name], tmp_path)
    problems = regressions(RECORDED[name], current)
    assert not problems, f"{name} got worse ({seconds}):\n" + "\n".join(problems)


def test_every_corpus_has_recorded_figures() -> None:
    missing = sorted(set(corpora(REPO_ROOT)) - set(RECORDED))
    assert not missing, f"record figures for {missing} (python -m dossier.evals.suite --write)"


def test_regressions_respect_the_direction_of_each_figure() -> None:
    recorded = {"hit@1": 0.5, "stub_share": 0.2, "concepts_per_source": 3.0}
    assert regressions(recorded, {"hit@1": 0.6, "stub_share": 0.1,
                                  "concepts_per_source": 1.0}) == []
    assert len(regressions(recorded, {"hit@1": 0.4, "stub_share": 0.3,
                                      "concepts_per_source": 3.0})) == 2
    assert regressions(recorded, {"stub_share": 0.2}) == [
        "hit@1: recorded 0.5, no longer measured"
    ]
