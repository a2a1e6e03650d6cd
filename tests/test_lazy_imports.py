"""A deferred module costs nothing at import and behaves as itself from its first use."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from schemashift.lazy_imports import defer_import
defer_import("asyncio")
import asyncio
placeholder = asyncio
import asyncio  # a second import reads __spec__: still not a use
assert "asyncio.base_events" not in sys.modules, "imported before first use"
assert asyncio.run(asyncio.sleep(0, "ran")) == "ran"
assert "asyncio.base_events" in sys.modules and type(asyncio) is type(sys)
assert sys.modules["asyncio"] is placeholder, "the module's identity changed"
from asyncio import subprocess as sp
import asyncio.tasks
assert sp.PIPE == -1 and asyncio.tasks.Task
import json
defer_import("json")  # already loaded: left as it is
import json
assert type(json) is type(sys) and json.dumps(1) == "1"
print("ok")
"""


def test_a_deferred_module_loads_on_first_use_into_the_same_object() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
