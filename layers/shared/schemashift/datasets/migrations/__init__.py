"""Online table migrations on Lance: plan -> one task per fragment -> one commit.

``plan_migration`` validates a request against one dataset version; ``run_fragment`` writes
one fragment's new or converted columns; ``commit_migration`` publishes everything as one
schema version (``abort_migration`` cleans up instead). ``run_migration`` chains the three.
"""

from schemashift.datasets.errors import ConcurrentModification, MigrationCancelled, MigrationFailed
from schemashift.datasets.migrations.changes import OPERATION_TYPES
from schemashift.datasets.migrations.commit import abort_migration, commit_migration
from schemashift.datasets.migrations.fragments import run_fragment
from schemashift.datasets.migrations.maintenance import MaintenanceResult, build_indexes, compact, restore
from schemashift.datasets.migrations.models import CommitResult, FragmentResult, IndexImpact, MigrationPlan
from schemashift.datasets.migrations.planner import plan_migration
from schemashift.datasets.migrations.runner import run_migration

__all__ = [
    "OPERATION_TYPES",
    "CommitResult",
    "ConcurrentModification",
    "FragmentResult",
    "IndexImpact",
    "MaintenanceResult",
    "MigrationCancelled",
    "MigrationFailed",
    "MigrationPlan",
    "abort_migration",
    "build_indexes",
    "commit_migration",
    "compact",
    "plan_migration",
    "restore",
    "run_fragment",
    "run_migration",
]
