"""A deferred module costs nothing at import and behaves as itself from its first use."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from schemashift.local.template import Template

PROBE = """
import sys
from pathlib import Path
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


PACKAGE_PROBE = """
import sys
from pathlib import Path
from schemashift.lazy_imports import defer_package
defer_package("pkg")
defer_package("busy")  # its __init__ does more than re-export: left to load as usual
assert type(sys.modules.get("busy", sys)) is type(sys) and "busy" not in sys.modules
import pkg.c
assert "pkg.a" not in sys.modules and "pkg.b" not in sys.modules, "the __init__ ran for a submodule import"
from pkg import A
assert A == "a" and "pkg.a" in sys.modules and "pkg.b" not in sys.modules, "one name loaded more than its module"
import pkg
placeholder = pkg
assert pkg.c.C == "c" and pkg.d.D == "d", "a submodule not imported yet loads on attribute access"
assert "pkg.b" not in sys.modules
assert pkg.__all__ == ["A", "B"], "a name the __init__ defines itself runs it"
assert "pkg.b" in sys.modules and pkg.B == "b"
assert sys.modules["pkg"] is placeholder and type(pkg) is type(sys)
import busy
assert busy.A == "a" and busy.SIDE_EFFECT == ["ran"]
print("ok")
"""


def test_a_deferred_package_imports_only_the_submodules_used(tmp_path: Path) -> None:
    for name, init in (("pkg", 'from .a import A\nfrom pkg.b import B\n__all__ = ["A", "B"]\n'),
                       ("busy", "from .a import A\nSIDE_EFFECT = ['ran']\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text('"""A package."""\n' + init)
        for sub in "abcd":
            (tmp_path / name / f"{sub}.py").write_text(f"{sub.upper()} = {sub!r}\n")
    out = subprocess.run([sys.executable, "-c", PACKAGE_PROBE], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


SUBMODULE_PROBE = """
import sys
from schemashift.lazy_imports import defer_import
defer_import("outer.util.tool")  # as Powertools' jmespath_utils: its package is not imported yet
assert "outer" not in sys.modules and "outer.util" not in sys.modules, "deferring imported the packages above"
import outer
assert type(sys.modules["outer.util.tool"]) is not type(sys), "the package's import loaded the submodule"
assert outer.user.tool is sys.modules["outer.util.tool"]
assert outer.user.use() == "ran" and outer.util.tool.RAN == "ran", "first use loads it, bound to its package"
print("ok")
"""


def test_a_submodule_is_deferred_before_its_package_imports_it(tmp_path: Path) -> None:
    (tmp_path / "outer" / "util").mkdir(parents=True)
    (tmp_path / "outer" / "__init__.py").write_text("from outer import user\n")
    (tmp_path / "outer" / "user.py").write_text("from outer.util import tool\n\ndef use():\n    return tool.RAN\n")
    (tmp_path / "outer" / "util" / "__init__.py").write_text("")
    (tmp_path / "outer" / "util" / "tool.py").write_text("ran = True\nRAN = 'ran'\n")
    out = subprocess.run([sys.executable, "-c", SUBMODULE_PROBE], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


ROOT = Path(__file__).resolve().parents[1]
API_HANDLERS = {logical_id: spec.module_file for logical_id, spec in Template.load(ROOT / "template.yaml").functions().items()
                if spec.package_type == "Zip" and any(e.get("Type") == "Api" for e in spec.events.values())}
_POWERTOOLS = "aws_lambda_powertools."
NEVER_AT_IMPORT = (
    "pyarrow", "lance", "sqlalchemy", "boto3", "asyncio.base_events", "schemashift.changelog",
    # the event_handler package's other resolvers and what only they use
    *(_POWERTOOLS + "event_handler." + m for m in (
        "appsync", "events_appsync", "bedrock_agent", "bedrock_agent_function", "http_resolver",
        "lambda_function_url", "vpc_lattice", "openapi.merge")),
    # event classes of sources no API handler serves
    *(_POWERTOOLS + "utilities.data_classes." + m for m in (
        "appsync_resolver_event", "code_pipeline_job_event", "dynamo_db_stream_event", "event_bridge_event",
        "kafka_event", "kinesis_firehose_event", "kinesis_stream_event", "s3_event", "sns_event", "sqs_event",
        "secrets_manager_event", "cloud_watch_logs_event")),
    # the standard library's archive, temporary-file and OpenSSL hashing modules: loaded by the code
    # that reads a zip or an upload, evaluates a policy, stores a bundle or hashes an API key
    "zipfile", "tempfile", "shutil", "lzma", "bz2", "hashlib", "secrets",
    # the JMESPath engine Powertools' logger imports for correlation-id paths: entrypoint reads the
    # request id itself (the idempotency utility loads it on first use)
    "jmespath", "gzip",
)
"""What no API handler needs to load: each is imported on first use, or never by an API function."""

REQUEST_MODELS = ("schemashift.dbschema.models",)

MODULES = """
import importlib.util, json, sys
s = importlib.util.spec_from_file_location("handler", {path!r})
m = importlib.util.module_from_spec(s); s.loader.exec_module(m)
redaction = sys.modules.get("schemashift.redaction")
print(json.dumps({{"modules": sorted(sys.modules),
                  "redaction_compiled": bool(redaction and redaction._patterns.cache_info().currsize)}}))
"""


def _import(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", MODULES.format(path=str(path))], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _loaded(path: Path) -> set[str]:
    return set(_import(path)["modules"])


def _models_with_postponed_annotations(modules: set[str]) -> list[str]:
    """Modules among ``modules`` that define pydantic models under ``from __future__ import annotations``:
    pydantic then compiles every field's annotation text again at import, ~20% of a model's creation."""
    import __future__

    from pydantic import BaseModel

    found = []
    for name in sorted(m for m in modules if m.startswith("schemashift.")):
        namespace = vars(importlib.import_module(name))
        if namespace.get("annotations") is __future__.annotations and any(
                isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == name for v in namespace.values()):
            found.append(name)
    return found


def _dataclasses_without_docstring(modules: set[str]) -> list[str]:
    """A dataclass without a docstring gets one made from ``inspect.signature`` of its ``__init__``
    when it is created, at every cold start (~0.2 ms each)."""
    import dataclasses

    found = []
    for name in sorted(m for m in modules if m.startswith("schemashift.")):
        for value in vars(importlib.import_module(name)).values():
            if (dataclasses.is_dataclass(value) and isinstance(value, type) and value.__module__ == name
                    and "__doc__" in vars(value) and (value.__doc__ or "").startswith(value.__name__ + "(")):
                found.append(f"{name}.{value.__name__}")
    return found


@pytest.mark.parametrize("logical_id", sorted(API_HANDLERS))
def test_an_api_handler_imports_only_what_its_routes_use(logical_id: str) -> None:
    imported = _import(API_HANDLERS[logical_id])
    loaded = set(imported["modules"])
    assert _POWERTOOLS + "event_handler.api_gateway" in loaded, "the probe did not import the handler"
    assert not sorted(m for m in NEVER_AT_IMPORT if m in loaded)
    # Request models are the handler's to import, for the body it parses: the domain modules refer to
    # them for typing only, so a route that answers only never builds them.
    source = API_HANDLERS[logical_id].read_text()
    for models in REQUEST_MODELS:
        assert models not in loaded or models in source, f"{models} loaded, but the handler parses none of them"
    assert not imported["redaction_compiled"], "the secret patterns compile on first redaction, not at import"
    assert not _models_with_postponed_annotations(loaded), "model modules evaluate their annotations at import"
    assert not _dataclasses_without_docstring(loaded), "give each a docstring (a why, as STYLE.md asks)"
