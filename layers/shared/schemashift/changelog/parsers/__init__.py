"""Changelog parsers: formatted SQL, YAML, JSON and XML, with includes flattened."""

from __future__ import annotations

from collections.abc import Sequence

from schemashift.changelog.model import ChangelogError, DatabaseChangeLog, DatabaseProbe, Dialect, ResourceAccessor
from schemashift.changelog.parsers.state import Inclusion, ParseState
from schemashift.changelog.properties import ChangeLogParameters, Property

SUPPORTED_EXTENSIONS = (".sql", ".yaml", ".yml", ".json", ".xml")


def parse_changelog(
    root_file: str,
    accessor: ResourceAccessor,
    *,
    parameters: dict[str, str] | None = None,
    dialect: Dialect | None = None,
    contexts: Sequence[str] | str | None = None,
    labels: str | None = None,
    database: DatabaseProbe | None = None,
) -> DatabaseChangeLog:
    """Parse ``root_file`` and everything it includes into one ordered changelog.

    ``parameters`` are caller-supplied properties; they win over changelog properties.
    With ``dialect`` set, changesets whose ``dbms`` excludes it are left out (as Liquibase
    does); ``contexts``/``labels`` only select context- or label-scoped properties.
    The dialect (or the live ``database``, which also gives the default schema and catalog)
    defines Liquibase's ``database.*`` properties.
    """
    from schemashift.changelog.database_properties import live_database_properties, static_database_properties
    from schemashift.changelog.expressions import parse_runtime

    dialect = dialect or (database.dialect if database is not None else None)
    params = ChangeLogParameters(dialect=dialect, contexts=parse_runtime(contexts), label_expression=labels)
    if dialect is not None:  # set first: as in Liquibase, nothing overrides them
        facts = static_database_properties(dialect)
        facts.update(live_database_properties(database) if database is not None else {})
        for name, value in facts.items():
            params.set(Property(name, value))
    for name, value in (parameters or {}).items():
        params.set(Property(name, str(value)))
    state = ParseState(accessor=accessor, parameters=params, dialect=dialect)
    parse_file(state, Inclusion(path=root_file))
    return DatabaseChangeLog(
        root_file=root_file,
        changesets=state.changesets,
        preconditions=state.changelog_preconditions(),
        parameters=params.global_values(),
        warnings=state.warnings,
    )


def parse_file(state: ParseState, inclusion: Inclusion) -> None:
    """Parse one changelog file (root or included) into ``state``."""
    path = inclusion.path
    if path in state.including:
        raise ChangelogError(f"Circular include of {path}", file=state.including[-1])
    text = state.accessor.read_text(path)
    state.including.append(path)
    try:
        lower = path.lower()
        if lower.endswith(".sql"):
            from schemashift.changelog.parsers.formatted_sql import parse_formatted_sql

            parse_formatted_sql(state, inclusion, text)
        elif lower.endswith((".yaml", ".yml", ".json")):
            from schemashift.changelog.parsers.yaml_json import parse_yaml_json

            parse_yaml_json(state, inclusion, text)
        elif lower.endswith(".xml"):
            from schemashift.changelog.parsers.xml import parse_xml

            parse_xml(state, inclusion, text)
        else:
            raise ChangelogError(f"Cannot find parser that supports {path}", file=path)
    finally:
        state.including.pop()


__all__ = ["SUPPORTED_EXTENSIONS", "parse_changelog", "parse_file"]
