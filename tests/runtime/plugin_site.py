"""Install throwaway plugin distributions (module + dist-info with entry points) for tests.

A real ``*.dist-info`` folder on ``sys.path`` is what ``importlib.metadata`` reads for
an installed package, so these plugins are discovered exactly as a pip-installed
third-party plugin would be.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

PLUGINS = textwrap.dedent('''
    import os

    from pydantic import BaseModel

    from dossier.errors import DossierError
    from dossier.extract.deterministic import DeterministicExtractor
    from dossier.okf import ConceptDocument
    from dossier.runtime.proposal import Proposal
    from dossier.runtime.records import Usage


    def concept(concept_id, title="One"):
        return ConceptDocument(
            concept_id=concept_id,
            frontmatter={"type": "Note", "title": title, "generated": {"by": "dossier-one/1.0"}},
            body=title + " was proposed by a test orchestrator.\\n",
        )


    class OneOrchestrator:
        """Proposes one concept and nothing else: no lock, no git, no record of its own."""

        name = "one"
        uses_extractor = False

        def propose(self, iteration):
            return Proposal(producer="one/1.0", concepts=[concept("notes/one")],
                            source_count=0, notes=["one concept, by hand"],
                            usage=Usage(input_tokens=12, output_tokens=3, cost_usd=0.0001),
                            trailers={"Dossier-Test-Case": "one",
                                      "Dossier-Orchestrator": "not-one"})


    class RetireOrchestrator:
        """Deprecates what "one" proposed, and an id that does not exist."""

        name = "retire"
        uses_extractor = False

        def propose(self, iteration):
            return Proposal(producer="one/1.0", deprecate=["notes/one", "notes/never"])


    class ModelRefused(DossierError):
        pass


    class BoomOrchestrator:
        """Writes into the tenant, then fails the way a model call foreseeably fails."""

        name = "boom"
        uses_extractor = False

        def propose(self, iteration):
            (iteration.ctx.bundle_dir / "half-written.md").write_text("---\\ntype: Note\\n")
            (iteration.ctx.sources_dir / "stray.md").write_text("stray")
            raise ModelRefused("boom: the model refused the request")


    class BugOrchestrator:
        """A plugin bug (not a DossierError) after writing into the tenant."""

        name = "bug"
        uses_extractor = False

        def propose(self, iteration):
            (iteration.ctx.bundle_dir / "half-written.md").write_text("---\\ntype: Note\\n")
            return {}["missing"]


    class EscapeOrchestrator:
        """Proposes a concept whose file would be outside the tenant."""

        name = "escape"
        uses_extractor = False

        def propose(self, iteration):
            return Proposal(producer="escape/1.0",
                            concepts=[concept("notes/fine"), concept("../../victim/pwned")])


    class SneakyOrchestrator:
        """Writes a concept file itself instead of proposing it."""

        name = "sneaky"
        uses_extractor = False

        def propose(self, iteration):
            target = iteration.ctx.bundle_dir / "notes" / "sneaky.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("---\\ntype: Note\\ntitle: Sneaky\\n---\\nWritten directly.\\n")
            return Proposal(producer="sneaky/1.0", concepts=[concept("notes/fine")])


    class ForgerOrchestrator:
        """Proposes a trailer whose value would forge another trailer into the commit."""

        name = "forger"
        uses_extractor = False

        def propose(self, iteration):
            return Proposal(producer="forger/1.0", concepts=[concept("notes/fine")],
                            trailers={"Dossier-Test-Case": "x\\nDossier-Run-Id: forged"})


    class LegacyOrchestrator:
        """The old seam: drives (and claims) a whole iteration itself."""

        name = "legacy"

        def run_iteration(self, ctx, options):
            raise AssertionError("never called")


    class NeedsKeyOrchestrator:
        """Says before any work that it cannot run here."""

        name = "needskey"
        uses_extractor = False

        def check(self):
            if not os.environ.get("NEEDSKEY_TOKEN"):
                raise DossierError("needskey needs NEEDSKEY_TOKEN in the environment")

        def propose(self, iteration):
            raise AssertionError("never called")


    class BrokenExtractor(DeterministicExtractor):
        """An extractor with a bug on one source."""

        name = "broken"

        def extract_source(self, doc):
            if "explode" in doc.text:
                raise RuntimeError("parser fell over")
            return super().extract_source(doc)


    class KeyedSettings(BaseModel):
        model_config = {"extra": "forbid"}
        prompt: str = "v1"


    class KeyedExtractor(DeterministicExtractor):
        """Its per-source results depend on a setting, so the setting is in its cache key."""

        name = "keyed"
        settings_model = KeyedSettings

        def __init__(self, settings):
            self.settings = settings

        def cache_key(self):
            return super().cache_key() + "/prompt=" + self.settings.prompt
''')

ENTRY_POINTS = """\
[dossier.orchestrators]
one = dossier_test_plugins:OneOrchestrator
retire = dossier_test_plugins:RetireOrchestrator
boom = dossier_test_plugins:BoomOrchestrator
bug = dossier_test_plugins:BugOrchestrator
escape = dossier_test_plugins:EscapeOrchestrator
legacy = dossier_test_plugins:LegacyOrchestrator
sneaky = dossier_test_plugins:SneakyOrchestrator
forger = dossier_test_plugins:ForgerOrchestrator
needskey = dossier_test_plugins:NeedsKeyOrchestrator
fancy = dossier_test_plugins:OneOrchestrator [fancy]

[dossier.extractors]
broken = dossier_test_plugins:BrokenExtractor
keyed = dossier_test_plugins:KeyedExtractor
"""

METADATA = """\
Metadata-Version: 2.1
Name: dossier-test-plugins
Version: 1.0
Provides-Extra: fancy
Requires-Dist: dossier-no-such-package-xyz>=1; extra == "fancy"
"""


def install_plugins(site: Path) -> Path:
    """Write the plugin module and its dist-info into ``site``; return ``site``."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "dossier_test_plugins.py").write_text(PLUGINS)
    info = site / "dossier_test_plugins-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(METADATA)
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return site


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test plugins, installed for this process (``sys.path``) and its children."""
    import os
    import sys

    site = install_plugins(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    inherited = os.environ.get("PYTHONPATH")
    paths = [str(site), *([inherited] if inherited else [])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    sys.modules.pop("dossier_test_plugins", None)
    return site
