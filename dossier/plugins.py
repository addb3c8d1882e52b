"""One loader for every plugin seam: orchestrators, extractors and embedders.

Built-ins and third-party plugins register through the same entry-point groups, and
every group fails the same way, before any work starts:

* an unknown name is a :class:`UnknownPluginError` (a usage error, exit 2) that lists
  the names that exist;
* a plugin whose optional extra is not installed (its entry point is declared as
  ``name = module:Factory [extra]``, or its import fails for a missing module) is a
  :class:`PluginUnavailableError` naming the extra and the ``pip install`` that
  fixes it — checked against the distribution's metadata *before* the plugin module
  is imported, so a half-installed extra never gets as far as a traceback;
* a plugin may declare ``check()`` (e.g. "an API key is present"); it runs right
  after loading, and raises a :class:`~dossier.errors.DossierError` of its own;
* a plugin may declare ``settings_model`` (a pydantic model): its settings come from
  the tenant manifest's ``plugins.<name>`` mapping and are validated by that model.

The loader is a base module (like :mod:`dossier.errors`): it knows entry points and
pydantic, nothing of the layers that use it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, PackageNotFoundError, entry_points, version
from typing import Any, Final, Literal

from pydantic import BaseModel, ValidationError

from dossier.errors import DossierError, UsageError

PluginKind = Literal["orchestrator", "extractor", "embedder"]

#: The entry-point group of each kind of plugin.
GROUPS: Final[dict[PluginKind, str]] = {
    "orchestrator": "dossier.orchestrators",
    "extractor": "dossier.extractors",
    "embedder": "dossier.embedders",
}

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


class UnknownPluginError(UsageError):
    """No plugin of that kind is registered under that name."""


class PluginUnavailableError(DossierError):
    """The plugin is registered but cannot run here (missing extra, failed import)."""


class PluginSettingsError(UsageError):
    """The manifest's ``plugins.<name>`` settings do not fit the plugin's model."""


@dataclass(frozen=True)
class LoadedPlugin:
    """A plugin's factory (usually its class) and where it came from."""

    kind: PluginKind
    name: str
    target: str
    factory: Any


def available(kind: PluginKind) -> list[str]:
    """Registered names of one kind, sorted."""
    return sorted({ep.name for ep in entry_points(group=GROUPS[kind])})


def _entry_point(kind: PluginKind, name: str) -> EntryPoint:
    matches = sorted(
        (ep for ep in entry_points(group=GROUPS[kind]) if ep.name == name),
        key=lambda ep: ep.value,
    )
    if not matches:
        names = ", ".join(available(kind)) or "none registered"
        raise UnknownPluginError(f"unknown {kind} {name!r}; available: {names}")
    return matches[0]


def _install_hint(ep: EntryPoint, extra: str) -> str:
    dist = ep.dist.name if ep.dist is not None else "dossier"
    return f"pip install '{dist}[{extra}]'"


def _missing_for_extras(ep: EntryPoint) -> tuple[str, list[str]] | None:
    """The first declared extra with requirements that are not installed, and those."""
    if not ep.extras or ep.dist is None:
        return None
    requires = ep.dist.requires or []
    for extra in ep.extras:
        missing: list[str] = []
        for requirement in requires:
            marker = _EXTRA_MARKER.search(requirement)
            if marker is None or marker.group(1) != extra:
                continue
            found = _REQUIREMENT_NAME.match(requirement)
            if found is None:
                continue
            try:
                version(found.group(1))
            except PackageNotFoundError:
                missing.append(found.group(1))
        if missing:
            return extra, missing
    return None


def load(kind: PluginKind, name: str) -> LoadedPlugin:
    """Find, check the extras of, and import the plugin ``name`` of ``kind``."""
    ep = _entry_point(kind, name)
    lacking = _missing_for_extras(ep)
    if lacking is not None:
        extra, packages = lacking
        raise PluginUnavailableError(
            f"{kind} {name!r} needs the optional extra {extra!r} "
            f"(missing: {', '.join(packages)}); install it with {_install_hint(ep, extra)}"
        )
    try:
        factory = ep.load()
    except ModuleNotFoundError as exc:
        hint = (
            f"; install it with {_install_hint(ep, ep.extras[0])}" if ep.extras else ""
        )
        raise PluginUnavailableError(
            f"{kind} {name!r} cannot be loaded ({ep.value}): module {exc.name!r} is not "
            f"installed{hint}"
        ) from None
    except (ImportError, AttributeError) as exc:
        raise PluginUnavailableError(
            f"{kind} {name!r} cannot be loaded ({ep.value}): {type(exc).__name__}: {exc}"
        ) from None
    return LoadedPlugin(kind=kind, name=name, target=ep.value, factory=factory)


def plugin_settings(plugin: LoadedPlugin, raw: Mapping[str, Any] | None) -> BaseModel | None:
    """Validate the manifest's ``plugins.<name>`` mapping with the plugin's own model.

    A plugin without ``settings_model`` takes no settings: a mapping for it is an
    error (a typo in a plugin name must not be silently ignored).
    """
    model = getattr(plugin.factory, "settings_model", None)
    if model is None:
        if raw:
            raise PluginSettingsError(
                f"{plugin.kind} {plugin.name!r} takes no settings, but the manifest has "
                f"plugins.{plugin.name}"
            )
        return None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise PluginUnavailableError(
            f"{plugin.kind} {plugin.name!r} ({plugin.target}): settings_model is not a "
            "pydantic model"
        )
    try:
        return model.model_validate(dict(raw or {}))
    except ValidationError as exc:
        where = "; ".join(
            f"plugins.{plugin.name}.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors()
        )
        raise PluginSettingsError(
            f"invalid settings for {plugin.kind} {plugin.name!r}: {where}"
        ) from None


def instantiate(plugin: LoadedPlugin, settings: BaseModel | None = None) -> Any:
    """Build the plugin (``factory()`` or ``factory(settings)``) and run its ``check()``.

    ``check()`` is where a plugin says it cannot run here (no API key, a missing
    local model) as a DossierError, before the caller locks or writes anything.
    """
    factory = plugin.factory
    if not callable(factory):
        instance = factory
    else:
        try:
            instance = factory() if settings is None else factory(settings)
        except DossierError:
            raise
        except Exception as exc:
            raise PluginUnavailableError(
                f"{plugin.kind} {plugin.name!r} ({plugin.target}) failed to start: "
                f"{type(exc).__name__}: {exc}"
            ) from None
    check = getattr(instance, "check", None)
    if callable(check):
        check()
    return instance
