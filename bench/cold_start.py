"""Cold-start import time of every zip API handler, in fresh interpreters.

    python -m bench.cold_start [--runs 5]

For each handler in template.yaml (zip functions with an Api event) a new Python process imports
the handler module and reports the import time (wall and CPU) and whether pyarrow, lance or SQLAlchemy got
imported. Baselines measured in the same run: an empty interpreter's ``import json`` and a bare
``import boto3`` (what a handler that imported boto3 eagerly would pay on top). Prints a table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "shared"))

PROBE = """
import importlib.util, json, resource, sys, time
t, c = time.perf_counter(), time.process_time()
s = importlib.util.spec_from_file_location("handler", {path!r})
m = importlib.util.module_from_spec(s); s.loader.exec_module(m)
ms, cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
heavy = [x for x in ("pyarrow", "lance", "sqlalchemy", "boto3") if x in sys.modules]
print(json.dumps({{"ms": ms, "cpu": cpu, "heavy": heavy, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
BASELINE = """
import json, time
t = time.perf_counter()
import {module}
print(json.dumps({{"ms": (time.perf_counter() - t) * 1000}}))
"""


def _run(code: str) -> dict:
    import os

    env = {**os.environ, "PYDANTIC_DISABLE_PLUGINS": "__all__"}  # as template.yaml's Globals set it
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    if out.returncode:
        raise SystemExit(f"a handler did not import:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from schemashift.local.template import Template

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    template = Template.load(ROOT / "template.yaml")
    rows = []
    boto = statistics.median(_run(BASELINE.format(module="boto3"))["ms"] for _ in range(args.runs))
    for logical_id, spec in sorted(template.functions().items()):
        if spec.package_type != "Zip" or not any(e.get("Type") == "Api" for e in spec.events.values()):
            continue
        samples = [_run(PROBE.format(path=str(spec.module_file))) for _ in range(args.runs)]
        rows.append((logical_id, statistics.median(s["ms"] for s in samples),
                     statistics.median(s["cpu"] for s in samples), samples[0]["heavy"],
                     max(s["rss_mb"] for s in samples)))
    print(f"{'handler':<34} {'import ms (median)':>18} {'CPU ms':>8} {'peak RSS MB':>12}  heavy modules imported")
    for name, ms, cpu, heavy, rss in rows:
        print(f"{name:<34} {ms:>18.1f} {cpu:>8.1f} {rss:>12.1f}  {', '.join(heavy) or '-'}")
    worst = max(row[1] for row in rows)
    print(f"slowest handler import in CPU time = {max(row[2] for row in rows):.1f} ms (what a busy machine "
          "inflates least)")
    print(f"\nbaseline: bare `import boto3` = {boto:.1f} ms (deferred to first use in every handler)")
    print(f"slowest handler import = {worst:.1f} ms; goal < 150 ms -> {'met' if worst < 150 else 'NOT met'}")


if __name__ == "__main__":
    main()
