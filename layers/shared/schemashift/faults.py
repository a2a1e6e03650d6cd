"""Named fault points for chaos testing: ``SCHEMASHIFT_FAULTS='{"point": count}'`` makes the next
``count`` passes through ``point`` raise ``InjectedFault``. Off (and free) unless the variable is set.

Deployments use it to prove crash safety: a worker that dies between a database commit and its
DynamoDB checkpoint must leave a state the next run repairs.
"""

from __future__ import annotations

import json
import os
import threading

_lock = threading.Lock()


class InjectedFault(RuntimeError):
    """Raised at a fault point that is switched on."""


def armed(point: str) -> bool:
    """Whether the next pass through ``point`` would raise (to prepare the state a crash there leaves)."""
    raw = os.environ.get("SCHEMASHIFT_FAULTS")
    return bool(raw) and int(json.loads(raw).get(point, 0)) > 0


def maybe_fail(point: str) -> None:
    raw = os.environ.get("SCHEMASHIFT_FAULTS")
    if not raw:
        return
    with _lock:
        faults = json.loads(raw)
        remaining = int(faults.get(point, 0))
        if remaining <= 0:
            return
        faults[point] = remaining - 1
        os.environ["SCHEMASHIFT_FAULTS"] = json.dumps(faults)
    raise InjectedFault(f"injected fault at {point}")
