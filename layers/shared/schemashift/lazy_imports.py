"""Modules that load on first use instead of at import.

Two shapes of the same idea, for dependencies that import more at load time than our code uses:

- ``defer_import`` (a module: asyncio, imported by Powertools' AppSync resolvers next to the REST
  one; ``jmespath_utils``, imported by Powertools' logger for the correlation-id paths we do not
  give it) puts a placeholder in ``sys.modules``: ``import asyncio`` then costs nothing, and the first
  real attribute read (``asyncio.run``, ``from asyncio import X``, a submodule import) executes the
  module into that same object, so behaviour and identity are unchanged. The standard library's
  ``LazyLoader`` cannot do it: a second ``import asyncio`` reads ``__spec__``, which loads it.
- ``defer_package`` (a package whose ``__init__`` only re-exports its submodules: Powertools'
  ``event_handler`` imports every resolver, ``utilities.data_classes`` every event class) makes the
  package without running its ``__init__``: a submodule imports alone, and a re-exported name
  (``from aws_lambda_powertools.event_handler import Response``) loads only the submodule that
  defines it. Any other name runs the ``__init__`` into the package first, as an eager import would.

Cold-start numbers: docs/benchmarks.md.
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import importlib.util
import sys
import types

_IMPORT_READS = frozenset({"__spec__", "__name__"})
"""What an ``import x`` of a module already in ``sys.modules`` reads: not a use."""


class _Deferred(types.ModuleType):
    def __getattribute__(self, attr: str) -> object:
        namespace = object.__getattribute__(self, "__dict__")
        if attr in _IMPORT_READS:
            return namespace[attr]
        object.__setattr__(self, "__class__", types.ModuleType)  # from now on an ordinary module
        spec = namespace["__spec__"]
        spec.loader.exec_module(self)
        _bind_to_parent(spec.name, self)
        return getattr(self, attr)


def _bind_to_parent(name: str, module: types.ModuleType) -> None:
    parent, _, child = name.rpartition(".")
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], child, module)


def _find_spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """``importlib.util.find_spec`` without importing the packages above ``name`` (it would): a
    submodule can be deferred before its package's ``__init__`` imports it."""
    parent, _, _ = name.rpartition(".")
    if not parent or parent in sys.modules:
        return importlib.util.find_spec(name)
    above = _find_spec(parent)
    if above is None or above.submodule_search_locations is None:
        return None
    return importlib.machinery.PathFinder.find_spec(name, above.submodule_search_locations)


def defer_import(name: str) -> None:
    """Make ``import name`` bind a module that loads on first use; a no-op when it is loaded already.

    A submodule may be deferred before its package is imported: ``from package import name`` then
    binds the placeholder (the import system finds it in ``sys.modules``), and the first use binds
    the module to its package too."""
    if name in sys.modules:
        return
    spec = _find_spec(name)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _Deferred
    sys.modules[name] = module
    _bind_to_parent(name, module)


class _DeferredPackage(types.ModuleType):
    """A package whose ``__init__`` has not run. ``__getattr__`` is only asked for names not set yet:
    module attributes (``__path__``, ``__spec__``) and imported submodules never reach it."""

    def __getattr__(self, attr: str) -> object:
        name = self.__name__
        submodule = _REEXPORTS[name].get(attr)
        if submodule is not None:
            value = getattr(importlib.import_module(submodule), attr)
            setattr(self, attr, value)
            return value
        if not attr.startswith("__") and importlib.machinery.PathFinder.find_spec(f"{name}.{attr}", self.__path__):
            return importlib.import_module(f"{name}.{attr}")
        self.__class__ = types.ModuleType  # anything else (``__all__``, a star import): the whole package
        self.__spec__.loader.exec_module(self)
        return getattr(self, attr)


_REEXPORTS: dict[str, dict[str, str]] = {}
"""Per deferred package, the submodule that defines each name its ``__init__`` re-exports."""


def _reexports(package: str, source: str) -> dict[str, str] | None:
    """``{name: submodule}`` of an ``__init__`` made only of ``from .x import name`` (a docstring and
    ``__all__`` allowed), or None when it does anything else, which deferring would skip."""
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level in (0, 1):
            module = node.module if node.level == 0 else f"{package}.{node.module}"
            if not module.startswith(package + ".") or any(a.name == "*" for a in node.names):
                return None
            found.update((a.asname or a.name, module) for a in node.names)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        elif isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]:
            continue
        else:
            return None
    return found


def defer_package(name: str) -> None:
    """Make ``name`` a package whose ``__init__`` runs only when a name it does not re-export is read;
    a no-op when it is loaded already or its ``__init__`` does more than re-export."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    source = spec.loader.get_source(name)  # type: ignore[attr-defined]
    reexports = _reexports(name, source) if source else None
    if reexports is None:
        return
    _REEXPORTS[name] = reexports
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _DeferredPackage
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], child, module)
