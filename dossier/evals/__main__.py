"""``python -m dossier.evals FIXTURE [--bundle DIR]``: print the extraction score as JSON.

FIXTURE is a folder holding ``gold.yaml`` and the corpus (in ``corpus/`` or beside it).
With ``--bundle`` the score is computed on an existing bundle instead of a fresh run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from dossier.errors import DossierError
from dossier.evals.extraction import score_extraction
from dossier.evals.gold import load_gold
from dossier.evals.pipeline import corpus_dir, extract_folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dossier.evals", description=__doc__)
    parser.add_argument("fixture", type=Path, help="folder with gold.yaml and the corpus")
    parser.add_argument("--bundle", type=Path, default=None,
                        help="score this bundle directory instead of extracting afresh")
    parser.add_argument("--extractor", default="deterministic", help="extractor name")
    parser.add_argument("--brief", action="store_true", help="figures only, no miss lists")
    args = parser.parse_args(argv)
    try:
        gold = load_gold(args.fixture / "gold.yaml")
        started = time.perf_counter()
        if args.bundle is not None:
            score = score_extraction(args.bundle, gold)
        else:
            _, proposed = extract_folder(corpus_dir(args.fixture), extractor=args.extractor)
            score = score_extraction(proposed, gold)
        elapsed = time.perf_counter() - started
    except DossierError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    data = score.to_dict()
    if args.brief:
        data = {k: v for k, v in data.items() if not isinstance(v, list)}
    data["seconds"] = round(elapsed, 3)
    print(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
