"""A short version of ``python -m bench.load``: a few clients for a few seconds over HTTP on the
local stack (reads, appends to one shared table, apply and migration starts). Zero errors, and
every append that answered 200 is read back (zero lost writes)."""

from __future__ import annotations

from bench.load import run


def test_a_short_load_run_loses_nothing(http_url: str) -> None:
    report = run(http_url, clients=4, seconds=6, settle=120)
    assert report["errors"] == 0, report["errorSamples"]
    assert report["requests"] >= 8, report  # a loaded 2-core machine manages ~3 per second here
    assert report["rowsAcknowledged"] > 0, report
    assert report["lostWrites"] == 0 and report["unexpectedRows"] == 0, report
    assert report["rowsReadBack"] == report["rowsAcknowledged"], report
    assert set(report["migrations"]) <= {"completed"}, report["migrations"]
    assert set(report["applies"]) <= {"SUCCESS"}, report["applies"]
