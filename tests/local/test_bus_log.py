"""The local bus log is read while events are being written: only whole lines count."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from schemashift.local import bus_log


def _line(n: int) -> bytes:
    return json.dumps({"id": str(n), "detail-type": "Test", "detail": {"n": n}}).encode() + b"\n"


def test_a_line_being_written_is_left_for_later_and_one_cut_short_is_skipped(tmp_path: Path,
                                                                            monkeypatch) -> None:
    path = bus_log.log_path(tmp_path)
    monkeypatch.setattr(bus_log, "_path", path)
    path.write_bytes(_line(1) + _line(2)[:30])  # the stack was killed while writing event 2
    bus_log.record({"DetailType": "Test", "Detail": json.dumps({"n": 3})}, "3")  # the next start's first event
    path.write_bytes(path.read_bytes() + _line(4)[:25])  # event 4 is being written

    assert [event["id"] for event in bus_log.read(tmp_path, last=10)] == ["1", "3"]

    tail = bus_log.read(tmp_path, last=0, follow=True, poll=0.01)
    later = threading.Timer(0.1, lambda: path.write_bytes(path.read_bytes() + _line(4)[25:] + _line(5)))
    later.start()
    started = time.monotonic()
    assert [next(tail)["id"], next(tail)["id"]] == ["4", "5"], "the line finished later, then the next"
    assert time.monotonic() - started < 5
    later.join()
