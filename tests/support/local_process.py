"""The local stack as a real process: ``schemashift local up`` in a subprocess, for tests that stop,
kill and restart it or run other ``schemashift`` processes against it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Running:
    process: subprocess.Popen[str]
    api: str
    aws: str

    def stop(self, sig: int) -> None:
        self.process.send_signal(sig)
        self.process.wait(timeout=60)
        if sig == signal.SIGTERM:
            assert self.process.returncode == 0, self.process.stdout.read() if self.process.stdout else ""


def cli_env(home: Path) -> dict[str, str]:
    """This test process's environment without the in-process stack's AWS settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "MOTO_")) and not k.endswith(("_TABLE", "_BUCKET", "_ARN"))}
    return {**env, "SCHEMASHIFT_HOME": str(home), "POWERTOOLS_LOG_LEVEL": "WARNING"}


def start_stack(home: Path, port: int, aws_port: int, cwd: Path = ROOT) -> Running:
    env = cli_env(home)
    process = subprocess.Popen(
        [sys.executable, "-m", "schemashift.cli.main", "local", "up", "--root", str(ROOT),
         "--port", str(port), "--aws-port", str(aws_port)],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    api = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"local up exited: {process.stdout.read() if process.stdout else ''}")
        try:
            if requests.get(f"{api}/health", timeout=10).status_code == 200:
                return Running(process, api, f"http://127.0.0.1:{aws_port}")
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.kill()
    raise AssertionError("the local stack did not answer /health within 120 s")
