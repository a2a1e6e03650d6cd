"""The lint route: a schema's current changelog linted for a dialect (or an instance's dialect).

Nothing here connects to a database: the lint covers every changeset of the changelog (or the
ones named), not only those pending on an instance; the deployment gate is the pending-only view.
"""

from pydantic import BaseModel, ConfigDict, Field

from schemashift.dbschema.services import Services
from schemashift.dbschema.tenancy import Tenant
from schemashift.errors import ValidationFailed
from schemashift.safety.config import LintConfig
from schemashift.safety.responses import LintResult, PolicyDecision


class LintRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    dialect: str | None = Field(default=None, description="postgresql | mysql | mariadb | sqlite")
    instance: str | None = Field(default=None, max_length=128, description="lint for this instance's dialect")
    contexts: str | None = Field(default=None, max_length=1024)
    labels: str | None = Field(default=None, max_length=1024)
    changesets: list[str] | None = Field(default=None, max_length=10_000, description="changeSetFQNs to lint")
    config: LintConfig | None = Field(default=None, description="overrides the schema's lint configuration")
    evaluatePolicies: bool = Field(default=False, description="also evaluate the project's policies")


def lint_schema(svc: Services, tenant: Tenant, schema: str, body: LintRequest) -> LintResult:
    from schemashift.dbschema.changelogs import current_changelog
    from schemashift.dbschema.instances import get_instance_item
    from schemashift.dbschema.schemas import get_schema_item
    from schemashift.deployments.runner import changelog_for
    from schemashift.safety.gate import policy_input
    from schemashift.safety.lint import check_dialect, lint_units
    from schemashift.safety.units import units_from_changelog

    schema_item = get_schema_item(svc, tenant, schema)
    instance_item = get_instance_item(svc, tenant, schema, body.instance) if body.instance else None
    dialect = check_dialect(instance_item["dialect"] if instance_item else (body.dialect or ""))
    if instance_item and body.dialect and body.dialect != dialect:
        raise ValidationFailed(f"instance '{body.instance}' is {dialect}, not {body.dialect}")
    _, info = current_changelog(svc, tenant, schema)
    properties = (instance_item or {}).get("substituteProperties") or {}
    changelog = changelog_for(svc, info["key"], properties, dialect)
    known = {changeset.fqn for changeset in changelog.changesets}
    unknown = sorted(set(body.changesets or ()) - known)
    if unknown:
        raise ValidationFailed(f"not in the current changelog: {', '.join(unknown[:10])}")
    config = body.config or LintConfig.from_stored(schema_item.get("lint"))
    units = units_from_changelog(changelog, dialect, contexts=body.contexts, labels=body.labels,
                                 only=set(body.changesets) if body.changesets else None)
    report = lint_units(units, dialect, config)
    result = LintResult(schema=schema, changelogVersion=int(info["version"]), **report.to_dict())
    if body.evaluatePolicies:
        from schemashift.safety.policies import evaluate
        from schemashift.safety.policy_store import policies_for

        target = instance_item or {"identifier": "", "name": "", "url": None, "tags": {}}
        decision = evaluate(policies_for(svc, tenant, schema),
                            policy_input(schema_item, target, dialect, units, report, {}))
        result.policy = PolicyDecision.model_validate(decision.to_dict())
    return result
