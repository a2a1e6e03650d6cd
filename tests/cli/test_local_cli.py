"""`schemashift local put-events --from-account` puts requests as another AWS account would, and
`schemashift local events` shows the rejection and its reason."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

from schemashift.cli.main import main


def test_put_events_from_another_account_is_rejected_and_shown(stack, capsys, tmp_path: Path) -> None:
    home = Path(os.environ["SCHEMASHIFT_HOME"])
    state = home / "local.json"  # what `schemashift local up` writes for other commands
    state.write_text(json.dumps(stack.describe()))
    stage = f"s-{uuid.uuid4().hex[:8]}"
    entries = tmp_path / "request.json"
    entries.write_text(json.dumps({"Source": "ci.pipeline", "DetailType": "DbSchemaApplyRequested", "Detail": {
        "account": "local", "org": "o", "project": "p", "dbschema": "app", "dbinstance": "main",
        "stageExecutionId": stage}}))
    try:
        assert main(["local", "put-events", "--entries", str(entries), "--from-account", "12345"]) == 1
        assert "'12345' is not an AWS account id" in capsys.readouterr().err
        assert main(["local", "put-events", "--entries", str(entries), "--from-account", "210987654321"]) == 0
        assert json.loads(capsys.readouterr().out)["FailedEntryCount"] == 0
        deadline, shown = time.monotonic() + 30, ""
        while time.monotonic() < deadline and stage not in shown:
            assert main(["local", "events", "--no-follow", "-n", "50", "--detail-type", "DbSchemaApplyRejected"]) == 0
            shown = capsys.readouterr().out
            time.sleep(0.1)
    finally:
        state.unlink(missing_ok=True)
    lines = shown.splitlines()  # two lines an event: what, who and why; then the detail
    header, detail = next((lines[i - 1], line) for i, line in enumerate(lines) if stage in line)
    assert header.split("  ", 1)[1].startswith("DbSchemaApplyRejected  (source schemashift"), header
    assert "reason: events from AWS account 210987654321 may not start work for account 'local'" in header
    assert json.loads(detail)["error"]["code"] == "FORBIDDEN"
    assert main(["local", "events", "--no-follow", "-n", "50", "--detail-type", "DbSchemaApplyRequested"]) == 0
    assert "from AWS account 210987654321)" in capsys.readouterr().out
