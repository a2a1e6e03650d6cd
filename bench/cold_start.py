"""Cold-start import time of every zip API handler, in fresh interpreters, both ways it can ship.

    python -m bench.cold_start [--runs 5] [--only dbschema_get,health] [--mode both|bytecode|source]
                               [--against CHECKOUT]   # an earlier commit, measured in the same rounds

For each handler in template.yaml (zip functions with an Api event) a new Python process imports
the handler module and reports the import's CPU and wall time, the modules loaded, and whether
pyarrow, lance, SQLAlchemy, boto3 or asyncio got imported. Two ways, interleaved in the same run:

- **bytecode**: every module the handlers import is compiled first (``py_compile``, unchecked-hash
  ``.pyc``, as the layer build's ``compileall`` does) into a private cache; this is what a deployed
  Lambda pays, whose read-only file system cannot write ``.pyc`` files of its own.
- **source**: only the standard library has bytecode (Lambda's runtime ships it) and nothing is
  written, so the layer's modules (schemashift and its dependencies) are compiled at every import:
  what a layer built without bytecode made every cold start pay.

The machine matters more than the code, so two baselines run in the same rounds and every handler
is also reported as a ratio to each: a fixed pure-Python workload (``REFERENCE_LOOP`` additions,
CPU time: 'loop') and a whole fresh interpreter importing ``STDLIB_REFERENCE`` from bytecode
('stdlib'). The goal (150 ms) is stated in units of both (``GOAL_UNITS``, ``GOAL_STDLIB``); see
docs/benchmarks.md. Prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "shared"))

GOAL_MS = 150.0
REFERENCE_LOOP = 1_000_000
"""Iterations of ``s += i`` in the reference workload: ~140 ms of CPU on the development machine."""
GOAL_UNITS = 1.07
"""The goal in workload units: 150 ms where the workload takes 140 ms (docs/benchmarks.md)."""
GOAL_STDLIB = 1.5
"""The goal in units of the stdlib baseline: 150 ms where that takes 100 ms."""

PROBE = """
import importlib.util, json, resource, sys, time
t, c = time.perf_counter(), time.process_time()
s = importlib.util.spec_from_file_location("handler", {path!r})
m = importlib.util.module_from_spec(s); s.loader.exec_module(m)
ms, cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
heavy = [x for x in ("pyarrow", "lance", "sqlalchemy", "boto3", "asyncio.base_events") if x in sys.modules]
modules = len(sys.modules)
files = [f for f in (getattr(getattr(v, "__spec__", None), "origin", None) for v in list(sys.modules.values()))
         if f and f.endswith(".py")]  # __spec__, not __file__: reading that would load a deferred module
print(json.dumps({{"ms": ms, "cpu": cpu, "heavy": heavy, "modules": modules, "files": files,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
WORKLOAD = """
import json, time
c = time.process_time()
s = 0
for i in range({n}):
    s += i
print(json.dumps({{"cpu": (time.process_time() - c) * 1000}}))
"""
STDLIB_REFERENCE = "import json, logging, asyncio"
"""The second baseline: a whole fresh interpreter importing these (bytecode), ~100 ms of CPU on the
development machine; its work (unmarshalling and running module code) is like a handler's import."""
FILES = """
import json, sys
{code}
print(json.dumps({{"files": [f for f in (getattr(v, "__file__", None) for v in list(sys.modules.values()))
                             if f and f.endswith(".py")]}}))
"""
COMPILE = """
import json, py_compile, sys
files = json.load(sys.stdin)
for f in files:
    py_compile.compile(f, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
print(json.dumps({"compiled": len(files)}))
"""


def _env(cache: Path, write: bool, tree: Path = ROOT) -> dict[str, str]:
    env = {**os.environ, "PYDANTIC_DISABLE_PLUGINS": "__all__",  # as template.yaml's Globals set it
           "PYTHONPYCACHEPREFIX": str(cache), "PYTHONPATH": str(tree / "layers" / "shared")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(code: str, cache: Path, *, write: bool = False, stdin: str | None = None, tree: Path = ROOT) -> dict:
    """One fresh interpreter whose ``.pyc`` files live in ``cache`` only (``PYTHONPYCACHEPREFIX``)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tree,
                         env=_env(cache, write, tree), input=stdin)
    if out.returncode:
        raise SystemExit(f"a probe failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _process_cpu(code: str, cache: Path) -> float:
    """CPU ms of a whole fresh interpreter (start, ``code``, exit), as the parent's rusage sees it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=_env(cache, False))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000


def handlers(only: list[str]) -> dict[str, Path]:
    from schemashift.local.template import Template

    found = {}
    for logical_id, spec in sorted(Template.load(ROOT / "template.yaml").functions().items()):
        if spec.package_type != "Zip" or not any(e.get("Type") == "Api" for e in spec.events.values()):
            continue
        if only and not any(o in logical_id or o in str(spec.module_file) for o in only):
            continue
        found[logical_id] = spec.module_file
    return found


def imported_files(paths: list[Path], tree: Path) -> list[str]:
    """Every module file the handlers import (found by importing each once)."""
    files: set[str] = {str(p) for p in paths}
    empty = Path(tempfile.mkdtemp(prefix="cold-start-none-"))
    for path in paths:
        files.update(_run(PROBE.format(path=str(path)), empty, tree=tree)["files"])
    return sorted(files)


def compile_into(files: list[str], cache: Path) -> int:
    return _run(COMPILE, cache, write=True, stdin=json.dumps(files))["compiled"]


def is_stdlib(file: str) -> bool:
    """The runtime's own library, which ships its bytecode (Lambda's Python images do)."""
    stdlib = os.path.realpath(os.path.dirname(os.__file__))
    real = os.path.realpath(file)
    return real.startswith(stdlib + os.sep) and "site-packages" not in real


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated parts of handler ids or paths")
    parser.add_argument("--mode", choices=("both", "bytecode", "source"), default="both")
    parser.add_argument("--against", type=Path, help="a checkout of an earlier commit, measured in the same rounds")
    args = parser.parse_args()
    found = handlers([o for o in args.only.split(",") if o])
    modes = ["bytecode", "source"] if args.mode == "both" else [args.mode]
    trees = {"": ROOT} if args.against is None else {"before ": args.against.resolve(), "after ": ROOT}
    variants = [(label + mode, tree, mode) for mode in modes for label, tree in trees.items()]
    caches = {"bytecode": Path(tempfile.mkdtemp(prefix="cold-start-pyc-")),
              "source": Path(tempfile.mkdtemp(prefix="cold-start-nopyc-"))}
    files = _run(FILES.format(code=STDLIB_REFERENCE), caches["source"])["files"]
    for tree in trees.values():
        files += imported_files([tree / p.relative_to(ROOT) for p in found.values()], tree)
    stdlib = sorted({f for f in files if is_stdlib(f)})
    compile_into(stdlib, caches["source"])  # the runtime's own bytecode, in both ways
    count = compile_into(sorted(set(files)), caches["bytecode"])
    print(f"compiled {count} modules (every one a handler imports) to unchecked-hash bytecode before measuring, "
          f"as the layer build does; the 'source' way has bytecode for the {len(stdlib)} standard-library ones "
          "only, as a layer without bytecode on Lambda's runtime")
    samples: dict[tuple[str, str], list[dict]] = {}
    workload: list[float] = []
    bare: list[float] = []
    for _ in range(args.runs):  # rounds interleave baselines and handlers, so load hits all alike
        workload.append(_run(WORKLOAD.format(n=REFERENCE_LOOP), caches["bytecode"])["cpu"])
        bare.append(_process_cpu(STDLIB_REFERENCE, caches["bytecode"]))
        for name, path in found.items():
            for label, tree, mode in variants:
                probe = PROBE.format(path=str(tree / path.relative_to(ROOT)))
                samples.setdefault((name, label), []).append(_run(probe, caches[mode], tree=tree))
    unit, std = statistics.median(workload), statistics.median(bare)
    print(f"baselines (medians of {args.runs}, CPU): workload of {REFERENCE_LOOP:,} pure-Python additions = "
          f"{unit:.1f} ms ('loop'); a fresh interpreter running `{STDLIB_REFERENCE}` = {std:.1f} ms ('stdlib')")
    print(f"goal: < {GOAL_MS:.0f} ms = {GOAL_UNITS:.2f} loop = {GOAL_STDLIB:.2f} stdlib -> "
          f"{GOAL_UNITS * unit:.0f} / {GOAL_STDLIB * std:.0f} ms CPU on this machine in this run\n")
    header = f"{'handler (median CPU ms, x loop, x stdlib)':<42}"
    for label, _, _ in variants:
        header += f" {label:>22}"
    print(header + f" {'modules':>8} {'RSS MB':>7}  heavy modules imported")
    worst: dict[str, float] = {}
    for name in found:
        line = f"{name:<42}"
        for label, _, _ in variants:
            cpu = statistics.median(r["cpu"] for r in samples[(name, label)])
            worst[label] = max(worst.get(label, 0.0), cpu)
            line += f" {cpu:>8.1f} {cpu / unit:>6.2f} {cpu / std:>6.2f}"
        last = samples[(name, variants[-1][0])] if len(trees) == 1 else samples[(name, "after bytecode")]
        print(line + f" {last[0]['modules']:>8} {max(r['rss_mb'] for r in last):>7.1f}  "
              f"{', '.join(last[0]['heavy']) or '-'}")
    print()
    for label, _, _ in variants:
        met = worst[label] / unit <= GOAL_UNITS and worst[label] / std <= GOAL_STDLIB
        print(f"slowest handler import ({label}) = {worst[label]:.1f} ms CPU = {worst[label] / unit:.2f} loop = "
              f"{worst[label] / std:.2f} stdlib; goal {GOAL_UNITS:.2f} loop / {GOAL_STDLIB:.2f} stdlib -> "
              f"{'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
