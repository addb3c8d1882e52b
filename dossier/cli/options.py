"""Options every command group shares, defined once so their help text agrees."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

RootOption = Annotated[
    Path | None,
    typer.Option(
        "--root",
        help="Workspace folder holding the tenants (default: $DOSSIER_ROOT, else ./tenants).",
        show_default=False,
    ),
]
TenantArgument = Annotated[str, typer.Argument(help="Tenant (client) id.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
LockTimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--lock-timeout",
        min=0,
        help="Seconds to wait for a tenant busy with another command "
        "(default: $DOSSIER_LOCK_TIMEOUT, else 30).",
        show_default=False,
    ),
]
