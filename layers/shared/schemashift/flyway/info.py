"""Flyway's view of a database: every resolved and applied migration with its state.

This mirrors ``MigrationInfoServiceImpl`` / ``MigrationInfoImpl`` (Flyway 11): applied rows are
matched to scripts by (version, type) or, for repeatables, by description; states are Flyway's
(``Success``, ``Pending``, ``Ignored``, ``Missing``, ``Future``, ``Outdated``, ``Superseded``,
``Undone``, ``Deleted``, ``Baseline``, ``Below Baseline``, ``Above Target``, ``Out of Order``...);
``validate`` yields Flyway's own error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemashift.flyway.config import FlywayConfig, ValidatePattern
from schemashift.flyway.history import AppliedMigration
from schemashift.flyway.scripts import Script
from schemashift.flyway.versions import MigrationTarget, Version

EMPTY = Version("<< Empty Schema >>", (-1,))

# state -> (pattern name used by ignoreMigrationPatterns, applied?, failed?)
_STATES: dict[str, tuple[str | None, bool, bool]] = {
    "Pending": ("pending", False, False), "Above Target": (None, False, False),
    "Below Baseline": (None, False, False), "Ignored (Baseline)": (None, False, False),
    "Baseline": (None, True, False), "Ignored": ("ignored", False, False), "Missing": ("missing", True, False),
    "Failed (Missing)": (None, True, True), "Success": (None, True, False), "Undone": (None, True, False),
    "Available": (None, False, False), "Failed": (None, True, True), "Out of Order": (None, True, False),
    "Future": ("future", True, False), "Failed (Future)": (None, True, True), "Outdated": (None, True, False),
    "Superseded": (None, True, False), "Deleted": (None, True, False),
}


@dataclass
class Context:
    target: MigrationTarget
    out_of_order: bool
    ignore: tuple[ValidatePattern, ...]
    last_resolved: Version = EMPTY
    last_applied: Version = EMPTY
    applied_baseline: Version | None = None
    pending_baseline: Version | None = None
    target_version: Version | None = None
    latest_repeatable: dict[str, int] = field(default_factory=dict)

    def ignored(self, versioned: bool, state: str) -> bool:
        name = _STATES[state][0]
        return name is not None and any(p.matches(versioned, name) for p in self.ignore)

    def state_ignored(self, name: str) -> bool:
        return any(p.state in ("*", name) and p.migration_type == "*" for p in self.ignore)


@dataclass
class MigrationInfo:
    resolved: Script | None
    applied: AppliedMigration | None
    context: Context
    out_of_order: bool = False
    deleted: bool = False
    undone: bool = False

    # -- identity ---------------------------------------------------------------------------

    @property
    def version(self) -> Version | None:
        return self.applied.version if self.applied else self.resolved.version if self.resolved else None

    @property
    def type(self) -> str:
        return self.applied.type if self.applied else self.resolved.type if self.resolved else ""

    @property
    def description(self) -> str:
        return self.applied.description if self.applied else self.resolved.description if self.resolved else ""

    @property
    def script(self) -> str:
        return self.applied.script if self.applied else self.resolved.script if self.resolved else ""

    @property
    def checksum(self) -> int | None:
        return self.applied.checksum if self.applied else self.resolved.checksum if self.resolved else None

    @property
    def category(self) -> str:
        if self.type in ("UNDO_SQL",):
            return "Undo"
        return "Versioned" if self.version is not None else "Repeatable"

    # -- state ------------------------------------------------------------------------------

    @property
    def state(self) -> str:
        if self.undone:
            return "Undone"
        if self.deleted:
            return "Deleted"
        if self.applied is None:
            assert self.resolved is not None
            return _resolved_state(self.resolved, self.context)
        return _applied_state(self.applied, self.resolved, self.context, self.out_of_order)

    @property
    def is_applied(self) -> bool:
        return _STATES[self.state][1]

    @property
    def is_failed(self) -> bool:
        return _STATES[self.state][2]

    def validate(self) -> str | None:
        """Flyway's validation error for this migration, or None."""
        state = self.state
        ctx = self.context
        versioned = self.version is not None
        if state in ("Undone", "Above Target", "Deleted", "Available"):
            return None
        if ctx.ignored(versioned, state):
            return None
        if self.is_failed and not (ctx.state_ignored("future") and state == "Failed (Future)"):
            if not versioned:
                return (f"Detected failed repeatable migration: {self.description}.\nPlease remove any "
                        "half-completed changes then run repair to fix the schema history.")
            return (f"Detected failed migration to version {self.version} ({self.description}).\nPlease remove any "
                    "half-completed changes then run repair to fix the schema history.")
        applied, resolved = self.applied, self.resolved
        if resolved is None and applied is not None and not applied.synthetic and not applied.undo and state != "Superseded":
            what = self.version if versioned else self.description
            return (f"Detected applied migration not resolved locally: {what}.\nIf you removed this migration "
                    "intentionally, run repair to mark the migration as deleted.")
        if state == "Ignored" and resolved is not None and resolved.kind not in ("baseline", "undo"):
            if versioned:
                return (f"Detected resolved migration not applied to database: {self.version}.\nTo ignore this "
                        "migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, "
                        "set -outOfOrder=true.")
            return (f"Detected resolved repeatable migration not applied to database: {self.description}.\n"
                    "To ignore this migration, set -ignoreMigrationPatterns='*:ignored'.")
        pending_ignored = ctx.state_ignored("pending")
        if not pending_ignored and state == "Pending":
            if versioned:
                return (f"Detected resolved migration not applied to database: {self.version}.\nTo fix this error, "
                        "either run migrate, or set -ignoreMigrationPatterns='*:pending'.")
            return (f"Detected resolved repeatable migration not applied to database: {self.description}.\nTo fix "
                    "this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.")
        if not pending_ignored and state == "Outdated":
            return (f"Detected outdated resolved repeatable migration that should be re-applied to database: "
                    f"{self.description}.\nRun migrate to execute this migration.")
        if resolved is not None and applied is not None and applied.type != "DELETE" and not applied.undo:
            ident = applied.script if applied.version is None else f"version {applied.version}"
            baseline = ctx.applied_baseline
            if applied.version is None or baseline is None or applied.version > baseline:
                if resolved.type != applied.type:
                    return _mismatch("type", ident, applied.type, resolved.type)
                compare = resolved.version is not None or (pending_ignored and state not in ("Outdated", "Superseded"))
                if compare and not resolved.checksum_matches(applied.checksum):
                    return _mismatch("checksum", ident, applied.checksum, resolved.checksum)
                if resolved.description != applied.description:
                    return _mismatch("description", ident, applied.description, resolved.description)
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category, "version": str(self.version) if self.version is not None else None,
            "description": self.description, "type": self.type, "script": self.script,
            "checksum": self.checksum, "state": self.state,
            "installedRank": self.applied.installed_rank if self.applied else None,
            "installedOn": self.applied.installed_on.isoformat(sep=" ")
            if self.applied and self.applied.installed_on else None,
            "installedBy": self.applied.installed_by if self.applied else None,
            "executionTime": self.applied.execution_time if self.applied else None,
            "resolvedChecksum": self.resolved.checksum if self.resolved else None,
        }


def _mismatch(what: str, ident: str, applied: object, resolved: object) -> str:
    return (f"Migration {what} mismatch for migration {ident}\n-> Applied to database : {applied}\n"
            f"-> Resolved locally    : {resolved}\n"
            "Either revert the changes to the migration, or run repair to update the schema history.")


def _resolved_state(script: Script, ctx: Context) -> str:
    if script.kind == "undo":
        return "Available"
    version = script.version
    if version is not None:
        baseline = ctx.pending_baseline if ctx.last_applied == EMPTY else ctx.applied_baseline
        if baseline is not None and version < baseline:
            return "Below Baseline"
        if baseline is not None and version == baseline:
            state = "Ignored (Baseline)"
            if script.kind == "baseline" and version == ctx.pending_baseline:
                return state if _applied_or_baselined(ctx) else "Pending"
            return state
        if ctx.target_version is not None and version > ctx.target_version:
            return "Above Target"
        if version < ctx.last_applied and not ctx.out_of_order:
            return "Ignored"
    if script.kind == "baseline" and _applied_or_baselined(ctx):
        return "Ignored"
    return "Pending"


def _applied_or_baselined(ctx: Context) -> bool:
    return ctx.applied_baseline is not None or ctx.last_applied != EMPTY


def _applied_state(row: AppliedMigration, script: Script | None, ctx: Context, out_of_order: bool) -> str:
    if row.type == "DELETE":
        return "Success"
    if row.baseline:
        if row.type != "BASELINE" and not row.success:
            return "Failed"
        if row.type != "BASELINE":
            missing = _missing_state(row, script, ctx)
            if missing:
                return missing
        return "Baseline"
    missing = _missing_state(row, script, ctx)
    if missing:
        return missing
    if not row.success:
        return "Failed"
    if row.type == "SCHEMA":
        return "Success"
    if row.version is None:
        if ctx.latest_repeatable.get(row.description) == row.installed_rank:
            return "Success" if script is not None and script.checksum_matches(row.checksum) else "Outdated"
        return "Superseded"
    return "Out of Order" if out_of_order else "Success"


def _missing_state(row: AppliedMigration, script: Script | None, ctx: Context) -> str | None:
    if script is not None:
        return None
    if row.version is None and ctx.latest_repeatable.get(row.description, row.installed_rank) != row.installed_rank:
        return None
    if row.type == "SCHEMA":
        return "Success"
    if row.version is None or row.version < ctx.last_resolved:
        return "Missing" if row.success else "Failed (Missing)"
    return "Future" if row.success else "Failed (Future)"


def build_info(scripts: list[Script], rows: list[AppliedMigration], config: FlywayConfig, *,
               target: MigrationTarget | None = None, out_of_order: bool | None = None,
               ignore: tuple[ValidatePattern, ...] | None = None) -> list[MigrationInfo]:
    """Every migration, applied ones in installed order, then pending ones in version order."""
    ctx = Context(target=target or config.target,
                  out_of_order=config.out_of_order if out_of_order is None else out_of_order,
                  ignore=config.ignore_migration_patterns if ignore is None else ignore)
    resolved_versioned: dict[tuple[Version, str], Script] = {}
    resolved_repeatable: dict[str, Script] = {}
    for script in scripts:
        if script.version is not None:
            resolved_versioned[(script.version, script.type)] = script
            if script.kind != "undo" and script.version > ctx.last_resolved:
                ctx.last_resolved = script.version
        else:
            resolved_repeatable[script.description] = script

    applied_versioned: list[MigrationInfo] = []
    applied_repeatable: list[MigrationInfo] = []
    for row in rows:
        if row.version is None:
            info = MigrationInfo(resolved_repeatable.get(row.description), row, ctx)
            applied_repeatable.append(info)
            if row.type == "DELETE" and row.success:
                _mark_latest(applied_repeatable[:-1], lambda i, r=row: i.applied.description == r.description)
            continue
        if row.baseline and (ctx.applied_baseline is None or row.version > ctx.applied_baseline):
            ctx.applied_baseline = row.version
        if row.type == "DELETE" and row.success:
            _mark_latest(applied_versioned, lambda i, r=row: i.applied.version == r.version, attribute="deleted")
            continue
        if row.undo and row.success:
            _mark_latest(applied_versioned, lambda i, r=row: i.applied.version == r.version and not i.applied.undo,
                         attribute="undone")
        applied_versioned.append(MigrationInfo(resolved_versioned.get((row.version, row.type)), row, ctx))

    for info in applied_versioned:
        row = info.applied
        assert row is not None and row.version is not None
        if row.version > ctx.last_applied:
            if row.type != "DELETE" and not info.deleted and not info.undone and not row.undo:
                ctx.last_applied = row.version
        elif not row.undo:
            info.out_of_order = True

    if ctx.target.kind == "current":
        ctx.target_version = ctx.last_applied if ctx.last_applied != EMPTY else None
        if ctx.last_applied == EMPTY:
            ctx.target_version = Version("<< Empty >>", (-1,))
    elif ctx.target.kind == "version":
        ctx.target_version = ctx.target.version

    done: set[int] = set()
    for info in applied_versioned:
        row = info.applied
        if info.resolved is not None and not info.deleted and not info.undone and row is not None and not row.undo:
            done.add(id(info.resolved))
    pending_versioned = [s for s in resolved_versioned.values() if id(s) not in done and s.kind != "undo"]
    for script in pending_versioned:
        if script.kind == "baseline" and (ctx.pending_baseline is None or script.version > ctx.pending_baseline):
            ctx.pending_baseline = script.version

    for info in applied_repeatable:
        row = info.applied
        if row is not None and not (info.deleted and row.type == "DELETE") and \
                row.installed_rank > ctx.latest_repeatable.get(row.description, -1):
            ctx.latest_repeatable[row.description] = row.installed_rank
    ran_repeatables: set[str] = set()
    for info in applied_repeatable:
        row = info.applied
        script = info.resolved
        if (row is not None and script is not None and not info.deleted and row.type != "DELETE"
                and ctx.latest_repeatable.get(row.description) == row.installed_rank
                and script.checksum_matches(row.checksum)):
            ran_repeatables.add(script.description)

    infos = applied_versioned + applied_repeatable
    infos.sort(key=lambda i: i.applied.installed_rank if i.applied else 0)
    pending = [MigrationInfo(s, None, ctx) for s in pending_versioned]
    pending += [MigrationInfo(s, None, ctx) for d, s in sorted(resolved_repeatable.items()) if d not in ran_repeatables]
    pending.sort(key=_pending_order)
    below = [i for i in pending if i.state in ("Below Baseline", "Ignored (Baseline)")]
    rest = [i for i in pending if i not in below]
    if ctx.target.kind == "next":
        first = next((i for i in rest if i.state == "Pending" and i.version is not None), None)
        ctx.target_version = first.version if first else Version("<< Empty >>", (-1,))
    return below + infos + rest


def _pending_order(info: MigrationInfo) -> tuple[int, tuple[int, ...], int, str]:
    script = info.resolved
    assert script is not None
    if script.version is not None:
        return (0, script.version.parts, 1 if script.kind == "baseline" else 0, "")
    return (1, (), 0, script.description)


def _mark_latest(infos: list[MigrationInfo], match: Any, attribute: str = "deleted") -> None:
    for info in reversed(infos):
        if info.applied is not None and not info.applied.synthetic and match(info) and not getattr(info, attribute):
            setattr(info, attribute, True)
            return
