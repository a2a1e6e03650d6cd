"""The README's "Try it" commands, extracted from README.md and run as written (bash, curl and the
``./schemashift`` launcher) against the local stack over HTTP, so the README cannot rot."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

from schemashift.local.emulator import free_port

from tests.support.local_process import ROOT, cli_env, start_stack


def try_it_script() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Try it\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    assert len(blocks) >= 3, "the Try it section lost its command blocks"
    return "\n".join(blocks)


def test_readme_try_it_block_runs_as_written(tmp_path: Path) -> None:
    port = free_port()
    home = tmp_path / ".schemashift"  # `make run` in a project folder: its files under ./.schemashift
    running = start_stack(home, port, free_port(), cwd=tmp_path)
    try:
        # The one change: the README's port 3000 becomes this test's port.
        script = try_it_script().replace("http://127.0.0.1:3000", running.api)
        env = {**cli_env(home), "SCHEMASHIFT_API_URL": running.api}
        env.pop("SCHEMASHIFT_API_KEY", None)
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=900)
        out = done.stdout
        assert done.returncode == 0, f"the Try it block failed:\n{out[-3000:]}\n{done.stderr[-3000:]}"
        assert '"status": "ok"' in out or '"status":"ok"' in out
        assert "Successfully_Deployed" in out                      # migrationstate after apply --wait
        assert '"status": "SUCCESS"' in out                         # apply --wait's final execution
        assert "DbSchemaApplyRequested" in out                      # local events shows the put event
        assert '"status": "completed"' in out                       # table migrate --wait
        assert '"rows_affected": 200' in out.replace(" ", "").replace('"rows_affected":200', '"rows_affected": 200')
        assert (home / "sqlite" / "local" / "dev.db").exists()
        compact = out.replace(" ", "")
        assert '"version":"1.1","type":"SQL","description":"addtotal"' in compact  # the Flyway schema's state
        assert '"status":"Rolled_Back"' in compact and (home / "sqlite" / "local" / "billing.db").exists()
    finally:
        running.stop(signal.SIGTERM)
    assert not os.path.exists(home / "local.json")
