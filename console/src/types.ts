// Shapes of the API's answers the console reads (see docs/dbschema.md, deployments.md, datasets.md, migrations.md).

export type ChangesetStatus = "Successfully_Deployed" | "Not_Deployed" | "Deployment_Failed" | "Rolled_Back";

export interface DbSchema {
  identifier: string;
  name: string;
  description?: string | null;
  tags?: Record<string, string> | null;
  migrationType?: string;
  instanceCount?: number;
  changesetCount?: number;
  created?: number;
  updated?: number;
}

export interface InstanceRef {
  identifier: string;
  name: string;
}

export interface Instance extends InstanceRef {
  url?: string;
  dialect?: string;
  context?: string | null;
  labels?: string | null;
  tags?: Record<string, string> | null;
  created?: number;
  updated?: number;
}

export interface InstanceState {
  instance: string;
  status: ChangesetStatus;
  pipeline: string;
  planExecutionId: string;
  stageExecutionId: string;
  tag: string | null;
  updated: number | null;
  error: string | null;
}

export interface ChangeSetRow {
  author: string;
  changeSet: string;
  changeSetFQN: string;
  fileName: string;
  synced: boolean;
  updated: number | null;
  instances: InstanceState[];
}

export interface MigrationState {
  schema: string;
  instances: InstanceRef[];
  changeSets: ChangeSetRow[];
}

export interface InstanceChangeSet {
  changeSet: string;
  changeSetFQN: string;
  author: string;
  fileName: string;
  status: ChangesetStatus;
  deployedAt: number | null;
  comment?: string | null;
  label?: string | null;
  tag: string | null;
  pipeline: string;
  updated: number | null;
  error: string | null;
}

export interface InstanceMigrationState {
  schemaName: string;
  instanceName: string;
  changeSets: InstanceChangeSet[];
}

export interface InstanceSummary {
  identifier: string;
  name: string;
  deployed: number;
  pending: number;
  failed: number;
  rolledBack: number;
}

export interface SchemaSummary {
  schema: string;
  changesetCount: number;
  instances: InstanceSummary[];
}

export type ExecutionStatus = "IN_PROGRESS" | "SUCCESS" | "FAILURE" | "CANCELLED" | string;

export interface ChangesetResult {
  changeSetFQN: string;
  status: string;
  durationMs?: number;
  error?: string | null;
  sql?: string[] | string | null;
}

export interface Execution {
  executionId: string;
  kind: string;
  status: ExecutionStatus;
  schema: string;
  instance?: string | null;
  pipeline?: string;
  planExecutionId?: string;
  stageExecutionId?: string;
  progress?: { done: number; total: number } | null;
  preStartTag?: string | null;
  tag?: string | null;
  dryRun?: boolean;
  sql?: string[] | null;
  error?: { code: string; message: string } | null;
  results?: ChangesetResult[] | null;
  instances?: { instance: string; executionId: string | null; status: string }[] | null;
  summary?: Record<string, number> | null;
  created?: number;
  updated?: number;
  completed?: number | null;
}

export interface Dataset {
  datasetId: string;
  name: string;
  description?: string | null;
  createdAt: string;
  updatedAt: string;
  tableCount: number;
}

export interface Field {
  name: string;
  arrowType: string;
  nullable: boolean;
  metadata?: Record<string, string> | null;
}

export interface Table {
  tableId: string;
  datasetId: string;
  tableName: string;
  description?: string | null;
  createdAt: string;
  updatedAt: string;
  fields?: Field[];
  primaryKeyColumns?: string[];
  versionNumber?: number;
}

export interface SchemaVersion {
  schemaVersionId: string;
  versionNumber: number;
  fields: Field[];
  primaryKeyColumns: string[];
  appliedAt: string;
  lanceVersion?: number;
  description?: string | null;
  operationId?: string | null;
  indexes?: unknown;
}

export type OperationStatus = "pending" | "running" | "completed" | "failed" | "cancelled";

export interface Operation {
  operationId: string;
  operationType: string;
  targetType: string;
  targetId: string;
  description?: string | null;
  status: OperationStatus;
  progressPercent: number;
  progressMessage?: string;
  error?: { code: string; message: string };
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
}

export interface MigrationOp {
  type: string;
  params: Record<string, unknown>;
}

export interface Plan {
  isValid: boolean;
  validationErrors: ({ message?: string; operationIndex?: number; code?: string } | string)[];
  requiresRewrite: boolean;
  indexImpacts: { indexName: string; impact: string; reason?: string }[];
  estimatedDurationMs?: number;
}
