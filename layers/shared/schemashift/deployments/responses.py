"""Response shapes of the deployment routes that are not jobs (a job is ``jobs.views.Execution``)."""

from __future__ import annotations

from schemashift.api.models import Out


class ChecksumMismatch(Out):
    changeSetFQN: str
    stored: str
    current: str


class SyncReport(Out):
    """``POST .../instance/{i}/sync``: what reconciling with DATABASECHANGELOG found and did."""

    instance: str
    rows: int
    adopted: list[str]
    markedRolledBack: list[str]
    unknownRows: list[str]
    checksumMismatches: list[ChecksumMismatch]
    inSync: bool


class InstanceLockRelease(Out):
    released: bool
    executionId: str | None
    wasRunning: bool


class ChangelogLockRelease(Out):
    released: bool
    lockedBy: str | None
    lockGranted: str | None


class ReleaseLocksReport(Out):
    """``POST .../instance/{i}/releaselocks``: which locks were freed, and who held them."""

    instance: str
    instanceLock: InstanceLockRelease
    changelogLock: ChangelogLockRelease
