"""Every event put on the local EventBridge, appended to ``$SCHEMASHIFT_HOME/events.jsonl``.

On AWS a pipeline watches the bus with a rule and a target; locally ``schemashift local events``
reads this file, so requests, completions and rejections (with their reasons) can be followed from
another terminal, across restarts. The file rolls over to ``events.jsonl.1`` at 10 MB.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAX_BYTES = 10 * 1024 * 1024
_lock = threading.Lock()
_path: Path | None = None
_hooked = False


def log_path(home: Path) -> Path:
    return home / "events.jsonl"


def start(home: Path) -> None:
    """Record from now on (the hook is installed once per process)."""
    global _path, _hooked
    _path = log_path(home)
    if _hooked:
        return
    from moto.events.models import EventsBackend

    original = EventsBackend.put_events

    def put_events(self: Any, events: list[dict[str, Any]]) -> Any:
        result = original(self, events)
        for entry, outcome in zip(events, result, strict=False):
            if "EventId" in outcome:
                record(entry, outcome["EventId"], self.account_id)
        return result

    EventsBackend.put_events = put_events  # type: ignore[method-assign]
    _hooked = True


def stop() -> None:
    global _path
    _path = None


def record(entry: dict[str, Any], event_id: str, account: str | None = None) -> None:
    """One line per event; ``account`` is the AWS account that put it (the envelope's ``account``)."""
    path = _path
    if path is None:
        return
    try:
        detail = json.loads(entry.get("Detail") or "{}")
    except json.JSONDecodeError:
        detail = entry.get("Detail")
    line = json.dumps({"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "id": event_id,
                       "bus": str(entry.get("EventBusName") or "default").rsplit("/", 1)[-1],
                       "account": account, "source": entry.get("Source"), "detail-type": entry.get("DetailType"),
                       "detail": detail},
                      default=str)
    with _lock:
        if path.exists() and path.stat().st_size > MAX_BYTES:
            path.replace(path.with_name(path.name + ".1"))
        with path.open("a+b") as handle:
            end = handle.seek(0, 2)
            torn = False
            if end:
                handle.seek(end - 1)
                torn = handle.read(1) != b"\n"  # a crash cut the last line short: start a new one
            handle.write((b"\n" if torn else b"") + line.encode() + b"\n")


def read(home: Path, last: int = 20, follow: bool = False, poll: float = 0.25) -> Iterator[dict[str, Any]]:
    """The last ``last`` events, then (with ``follow``) each new one as it is put. Only whole lines
    are read: a line still being written is read once it ends, and one a crash cut short is skipped."""
    path = log_path(home)
    complete = _whole_lines(path.read_bytes()) if path.exists() else b""
    if last > 0:
        yield from _events(complete.splitlines()[-last:])
    if not follow:
        return
    offset = len(complete)
    while True:
        if path.exists():
            size = path.stat().st_size
            if size < offset:  # rolled over
                offset = 0
            if size > offset:
                with path.open("rb") as handle:
                    handle.seek(offset)
                    chunk = _whole_lines(handle.read())
                offset += len(chunk)
                yield from _events(chunk.splitlines())
        time.sleep(poll)


def _whole_lines(data: bytes) -> bytes:
    return data[: data.rfind(b"\n") + 1]


def _events(lines: list[bytes]) -> Iterator[dict[str, Any]]:
    for line in lines:
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except ValueError:  # cut short by a crash mid-write (kill -9): the next line is whole again
            continue


def describe(event: dict[str, Any]) -> str:
    """One line for a terminal: time, bus, detail-type, source, and the detail."""
    detail = event.get("detail")
    reason = ""
    if isinstance(detail, dict) and isinstance(detail.get("error"), dict):
        reason = f"  reason: {detail['error'].get('message')}"
    sender = f", from AWS account {event['account']}" if event.get("account") else ""
    return (f"{event.get('time')}  {event.get('detail-type')}  (source {event.get('source')}, bus {event.get('bus')}"
            f"{sender})"
            f"{reason}\n    {json.dumps(detail, default=str)}")
