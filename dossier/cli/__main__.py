"""``python -m dossier.cli``: the same entry point as the ``dossier`` script."""

from dossier.cli import main

main()
