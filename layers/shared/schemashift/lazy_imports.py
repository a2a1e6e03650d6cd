"""Modules that load on first use instead of at import.

For a module that a dependency imports at load time but uses only inside functions our code never
calls (asyncio, imported by Powertools' AppSync resolvers next to the REST one), ``defer_import``
puts a placeholder in ``sys.modules``: ``import asyncio`` then costs nothing, and the first real
attribute read (``asyncio.run``, ``from asyncio import X``, a submodule import) executes the module
into that same object, so behaviour and identity are unchanged. The standard library's
``LazyLoader`` cannot do it: a second ``import asyncio`` reads ``__spec__``, which loads it.
Cold-start numbers: docs/benchmarks.md.
"""

from __future__ import annotations

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
        return getattr(self, attr)


def defer_import(name: str) -> None:
    """Make ``import name`` bind a module that loads on first use; a no-op when it is loaded already."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _Deferred
    sys.modules[name] = module
