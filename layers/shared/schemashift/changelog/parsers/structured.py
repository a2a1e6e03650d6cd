"""XML, YAML and JSON changelogs share Liquibase's node model; this loads those nodes.

It mirrors ``DatabaseChangeLog.handleChildNode`` (changeSet, include, includeAll, property,
preConditions) and ``ChangeSet.load`` (attributes, changes, rollback, validCheckSum).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Literal

from schemashift.changelog.changes.base import CHANGE_TYPES, load_warnings, snake
from schemashift.changelog.changes.loaddata import LoadDataChange
from schemashift.changelog.changes.procedures import CreateProcedureChange
from schemashift.changelog.changes.sql import EmptyChange, RawSqlChange, SqlFileChange
from schemashift.changelog.changes.sqlbuild import QUOTING_STRATEGIES
from schemashift.changelog.changes.unsupported import LIQUIBASE_CHANGE_TYPES, UnsupportedChange
from schemashift.changelog.changes.views import CreateViewChange
from schemashift.changelog.model import Change, ChangelogError, ChangeSet, dbms_matches
from schemashift.changelog.node import Node, java_string
from schemashift.changelog.object_preconditions import (
    ChangeSetExecutedPrecondition,
    ForeignKeyExistsPrecondition,
    IndexExistsPrecondition,
    PrimaryKeyExistsPrecondition,
    RunningAsPrecondition,
    SequenceExistsPrecondition,
    UniqueConstraintExistsPrecondition,
)
from schemashift.changelog.parsers.state import Inclusion, ParseState
from schemashift.changelog.paths import logical_path, normalize_path, resolve_sibling
from schemashift.changelog.preconditions import (
    FAIL_ACTIONS,
    AndPrecondition,
    ChangeLogPropertyDefinedPrecondition,
    ColumnExistsPrecondition,
    CustomPrecondition,
    DbmsPrecondition,
    ExpectedQuotingStrategyPrecondition,
    NotPrecondition,
    OrPrecondition,
    Precondition,
    Preconditions,
    RowCountPrecondition,
    SqlCheckPrecondition,
    TableExistsPrecondition,
    TableIsEmptyPrecondition,
    UnsupportedPrecondition,
    ViewExistsPrecondition,
    sql_output_option,
)
from schemashift.changelog.properties import Property
from schemashift.changelog.splitting import split_statements
from schemashift.changelog.sql_visitors import VISITORS, RegExpReplaceSqlVisitor, ReplaceSqlVisitor, SqlVisitor

_LIQUIBASE_PRECONDITIONS: frozenset[str] = frozenset()
"""Liquibase preconditions not evaluated here; refused only when their changeset would run."""
_IGNORED_ROOT_KEYS = {"logicalFilePath", "context", "contextFilter", "objectQuotingStrategy"}
_CHANGESET_ATTRIBUTES = {
    "id", "author", "runAlways", "alwaysRun", "runOnChange", "runWith", "runWithSpoolFile", "contextFilter", "context",
    "labels", "dbms", "runInTransaction", "created", "runOrder", "ignore", "comment", "objectQuotingStrategy",
    "logicalFilePath", "failOnError", "onValidationFail", "rollback", "validCheckSum", "validCheckSums", "lintIgnore",
}  # fmt: skip
_INCLUDE_ATTRIBUTES = {
    "file", "relativeToChangelogFile", "errorIfMissing", "context", "contextFilter", "labels", "ignore", "id", "author",
    "created",
}  # fmt: skip
_INCLUDE_ALL_ATTRIBUTES = {
    "path", "errorIfMissingOrEmpty", "relativeToChangelogFile", "resourceComparator", "filter", "resourceFilter",
    "context", "contextFilter", "labels", "minDepth", "maxDepth", "endsWithFilter", "ignore",
}  # fmt: skip
"""What Liquibase 4.28 reads of each element; anything else is ignored with a warning."""


@dataclass
class StructuredChangelog:
    """One XML/YAML/JSON file being loaded."""

    state: ParseState
    inclusion: Inclusion
    physical_path: str
    """The file's path as its format records it (YAML normalizes it; XML keeps it as passed)."""
    logical_file_path: str | None = None
    expand_nodes: bool = True
    object_quoting_strategy: str | None = None
    """The file's ``objectQuotingStrategy``: its changesets' default."""
    removed_properties: list[str] = field(default_factory=list)
    """``removeChangeSetProperty`` of this file: addColumn column properties to drop from later changes."""

    @property
    def path(self) -> str:
        return self.inclusion.path

    def file_path(self) -> str:
        """``DatabaseChangeLog.getFilePath``: logicalFilePath (slashes fixed) or the physical path."""
        return logical_path(self.logical_file_path) if self.logical_file_path else self.physical_path

    def changelog_key(self) -> str:
        return logical_path(self.logical_file_path or self.physical_path)

    def error(self, message: str, node: Node | None = None) -> ChangelogError:
        return ChangelogError(message, file=self.path, line=node.line if node else None)

    def expand(self, text: str | None) -> str | None:
        return self.state.parameters.expand(text, self.changelog_key())

    def expand_node(self, node: Node) -> None:
        """Expand ``${...}`` in every string of a node tree (Liquibase expands each top-level node)."""
        for key, value in node.attrs.items():
            if isinstance(value, str):
                node.attrs[key] = self.expand(value)
        if node.text is not None:
            node.text = self.expand(node.text)
        for child in node.children:
            self.expand_node(child)

    def load(self, root: Node) -> None:
        self.logical_file_path = java_string(root.attrs.get("logicalFilePath"))
        self.object_quoting_strategy = self.quoting_strategy(root) or self.object_quoting_strategy
        self.note_root_strategy()
        context = java_string(root.attrs.get("contextFilter")) or java_string(root.attrs.get("context"))
        self.inclusion = self.inclusion.with_changelog_context(context)
        for child in root.children:
            self.handle(child)

    def handle(self, node: Node) -> None:
        if node.name == "objectQuotingStrategy" and not node.children:  # YAML/JSON: a root list item
            self.object_quoting_strategy = self.quoting_strategy(Node("root", attrs={node.name: node.text}))
            self.note_root_strategy()
            return
        if node.name in _IGNORED_ROOT_KEYS and not node.children:
            return
        if self.expand_nodes:
            self.expand_node(node)
        handler = {
            "changeSet": self.change_set,
            "include": self.include,
            "includeAll": self.include_all,
            "property": self.property,
            "preConditions": self.changelog_preconditions,
            "removeChangeSetProperty": self.remove_change_set_property,
        }.get(node.name)
        if handler is None:
            if node.name == "modifyChangeSets":
                raise self.error("modifyChangeSets is not supported", node)
            if node.children or node.attrs:
                raise self.error(f"Unexpected node found under databaseChangeLog: {node.name}", node)
            return
        handler(node)

    def property(self, node: Node) -> None:
        if node.string("file") is not None:
            self.property_file(node)
            return
        self.state.parameters.set(self.property_from(node), global_=_flag(node, "global", True),
                                  changelog=self.changelog_key())

    def property_from(self, node: Node, name: str | None = None, value: str | None = None) -> Property:
        return Property(
            name if name is not None else node.string("name") or "",
            value if value is not None else node.string("value") or "",
            contexts=node.string("contextFilter") or node.string("context"),
            labels=node.string("labels"),
            dbms=node.string("dbms"),
        )

    def property_file(self, node: Node) -> None:
        file = node.string("file") or ""
        relative = _flag(node, "relativeToChangelogFile", False)
        target = resolve_sibling(self.path, file) if relative else file
        try:
            text = self.state.accessor.read_text(target)
        except ChangelogError:
            if not _flag(node, "errorIfMissing", True):
                return
            raise
        global_ = _flag(node, "global", True)
        for key, value in parse_properties(text).items():
            prop = self.property_from(node, key, value)
            self.state.parameters.set(prop, global_=global_, changelog=self.changelog_key())

    def remove_change_set_property(self, node: Node) -> None:
        """Liquibase's only ChangeVisitor: drop afterColumn/beforeColumn/position from this file's later
        addColumn changes, on the listed databases (a parse with no database matches none)."""
        if node.string("change") != "addColumn" or not dbms_matches(node.string("dbms"), self.state.dialect, if_empty=False):
            return
        remove = node.string("remove") or ""
        if remove not in ("afterColumn", "beforeColumn", "position"):
            raise self.error(f"Unexpected value found under removeChangeSetProperty for remove tag: {remove}", node)
        self.removed_properties.append(remove)

    def changelog_preconditions(self, node: Node) -> None:
        self.state.preconditions.append(self.preconditions(node))

    def include(self, node: Node) -> None:
        from schemashift.changelog.parsers import parse_file

        file = node.string("file")
        if file is None:
            raise self.error("No 'file' attribute on 'include'", node)
        file = file.replace("\\", "/")
        if _flag(node, "relativeToChangelogFile", False):
            file = normalize_path(resolve_sibling(self.path, file))
        self.warn_unread(node, _INCLUDE_ATTRIBUTES, self.state.warnings)
        try:
            self.state.accessor.read_text(file)
        except ChangelogError:
            if not _flag(node, "errorIfMissing", True):
                return
            raise self.error(f"The file {file} was not found in the configured search path", node) from None
        contexts = node.string("contextFilter") or node.string("context")
        child = self.inclusion.child(file, contexts, node.string("labels"), _flag(node, "ignore", False))
        parse_file(self.state, child)

    def include_all(self, node: Node) -> None:
        from schemashift.changelog.parsers import SUPPORTED_EXTENSIONS, parse_file

        path = node.string("path")
        if path is None:
            raise self.error("No path attribute for includeAll", node)
        path = path.replace("\\", "/")
        if _flag(node, "relativeToChangelogFile", False):
            path = normalize_path(resolve_sibling(self.path, path))
        if path and not path.endswith("/"):
            path += "/"
        self.warn_unread(node, _INCLUDE_ALL_ATTRIBUTES, self.state.warnings)
        java_filter = node.string("filter") or node.string("resourceFilter")
        if java_filter is not None:
            raise self.error(f"includeAll filter '{java_filter}' names a Java class (an IncludeAllFilter), which "
                             "schemashift cannot load: use endsWithFilter, minDepth/maxDepth, or include the files one "
                             "by one", node)
        if node.string("resourceComparator") is not None:
            self.state.warnings.append(
                f"{self.path}:{node.line}: includeAll resourceComparator '{node.string('resourceComparator')}' is a "
                "Java class schemashift cannot load; the files are included in Liquibase's standard order (as "
                "Liquibase does when the class is not on its classpath)")
        low, high = self.depth_bounds(node)
        ends_with = (node.string("endsWithFilter") or "").strip().lower()
        found = self.state.accessor.list_dir(path.rstrip("/"), recursive=True) if high > 0 else []
        base_depth = path.count("/")
        resources = sorted(
            (
                resource
                for resource in found
                if resource.lower().endswith(SUPPORTED_EXTENSIONS) and resource.lower().endswith(ends_with)
                and low <= resource.count("/") - base_depth + 1 <= high
            ),
            key=lambda text: text.replace("WEB-INF/classes/", "").encode("utf-16-be", "surrogatepass"),
        )
        if not resources and _flag(node, "errorIfMissingOrEmpty", True):
            raise self.error(
                "Could not find directory, directory was empty, or no changelogs matched the provided search "
                f"criteria for includeAll '{node.string('path')}'",
                node,
            )
        contexts = node.string("contextFilter") or node.string("context")
        for resource in resources:
            child = self.inclusion.child(resource, contexts, node.string("labels"), _flag(node, "ignore", False))
            parse_file(self.state, child)

    def depth_bounds(self, node: Node) -> tuple[int, int]:
        """includeAll ``minDepth``/``maxDepth`` (default 0 and unbounded): a file directly in the path is at
        depth 1, one in a subdirectory at 2, ... (Liquibase's ``ResourceAccessor.SearchOptions``)."""
        bounds: list[int] = []
        for key, default in (("minDepth", 0), ("maxDepth", 2**31 - 1)):
            text = node.string(key)
            try:
                bounds.append(default if text is None else int(text.strip()))
            except ValueError:
                raise self.error(f"includeAll {key} must be an integer, not '{text}'", node) from None
        low, high = bounds
        if high < low:
            raise self.error("Error in includeAll setup: maxDepth argument must be greater than minDepth", node)
        if low < 0 or high < 0:
            raise self.error(f"Error in includeAll setup: {'minDepth' if low < 0 else 'maxDepth'} must be "
                             "non-negative", node)
        return low, high

    def warn_unread(self, node: Node, known: set[str], warnings: list[str]) -> None:
        """An attribute Liquibase 4.28 does not read on this element (say ``logicalFilePath`` on an include):
        ignored, as Liquibase's YAML/JSON parsers ignore it (its XML schema refuses it), but said."""
        for name in sorted(set(node.attrs) - known):
            warnings.append(f"{self.path}:{node.line}: '{name}' is not a Liquibase 4.28 {node.name} attribute and is "
                            "ignored")

    def note_root_strategy(self) -> None:
        if len(self.state.including) == 1:  # this is the root changelog
            self.state.root_quoting_strategy = self.object_quoting_strategy or "LEGACY"

    def quoting_strategy(self, node: Node) -> str | None:
        value = java_string(node.attrs.get("objectQuotingStrategy"))
        if value is None or not value.strip():
            return None
        if value.strip() not in QUOTING_STRATEGIES:
            raise self.error(f"Unknown objectQuotingStrategy '{value}' (one of {', '.join(QUOTING_STRATEGIES)})",
                             node)
        return value.strip()

    def validation_fail_option(self, node: Node) -> Literal["HALT", "MARK_RAN"]:
        """``onValidationFail``: Liquibase's ``ValidationFailOption.valueOf`` (exact case), HALT by default."""
        value = node.string("onValidationFail") or "HALT"
        if value not in ("HALT", "MARK_RAN"):
            raise self.error(f"No enum constant liquibase.changelog.ChangeSet.ValidationFailOption.{value} "
                             "(onValidationFail is HALT or MARK_RAN)", node)
        return "MARK_RAN" if value == "MARK_RAN" else "HALT"

    def change_set(self, node: Node) -> None:
        changeset = self.build_change_set(node)
        self.state.add(changeset, self.inclusion, self.path)

    def build_change_set(self, node: Node) -> ChangeSet:
        logical = (node.string("logicalFilePath") or "").strip() or None
        file_path = logical_path(logical) if logical else self.file_path()
        comments = [child.text or "" for child in node.all("comment")]
        if "comment" in node.attrs:
            comments.insert(0, node.string("comment") or "")
        changeset = ChangeSet(
            id=node.string("id") or "",
            author=node.string("author") or "",
            file_path=file_path,
            comment=("\n".join(comments).strip() or None) if comments else None,
            contexts=node.string("contextFilter") or node.string("context"),
            labels=(node.string("labels") or "").strip() or None,
            dbms=node.string("dbms"),
            run_always=_flag(node, "runAlways", _flag(node, "alwaysRun", False)),
            run_on_change=_flag(node, "runOnChange", False),
            run_in_transaction=_flag(node, "runInTransaction", True),
            fail_on_error=_flag(node, "failOnError", True),
            ignore=_flag(node, "ignore", False),
            run_with=(node.string("runWith") or "").strip() or None,
            run_order=node.string("runOrder"),
            created=node.string("created"),
            on_validation_fail=self.validation_fail_option(node),
            line=node.line,
            lint_ignore=[rule.strip() for rule in (node.string("lintIgnore") or "").split(",") if rule.strip()],
            object_quoting_strategy=self.quoting_strategy(node) or self.object_quoting_strategy,
        )
        self.warn_unread(node, _CHANGESET_ATTRIBUTES, changeset.warnings)
        for key in ("rollback", "validCheckSum"):
            if key in node.attrs:  # YAML/JSON scalars: ``rollback: drop table x``
                self.change_set_child(changeset, Node(key, text=node.string(key), line=node.line))
        for child in node.children:
            self.change_set_child(changeset, child)
        return changeset

    def change_set_child(self, changeset: ChangeSet, child: Node) -> None:
        if child.name in ("comment",):
            return
        if child.name == "changes":
            for change_node in child.children:
                changeset.changes.append(self.change(change_node, changeset.warnings))
        elif child.name == "rollback":
            changeset.rollback = [*(changeset.rollback or []), *self.rollback(child, changeset)]
        elif child.name in ("validCheckSum", "validCheckSums"):
            changeset.valid_checksums.extend(_values(child))
        elif child.name == "preConditions":
            changeset.preconditions = self.preconditions(child)
            _bind_changeset_strategy(changeset.preconditions, changeset.object_quoting_strategy or "LEGACY")
        elif child.name == "modifySql":
            changeset.sql_visitors.extend(self.sql_visitors(child, changeset.warnings))
        elif child.name in CHANGE_TYPES or child.name in LIQUIBASE_CHANGE_TYPES:
            changeset.changes.append(self.change(child, changeset.warnings))
        elif child.children or child.attrs:
            raise self.unknown_change(child)

    def sql_visitors(self, node: Node, warnings: list[str]) -> list[SqlVisitor]:
        dbms = tuple(part.strip() for part in (node.string("dbms") or "").split(",") if part.strip())
        common = {
            "dbms": dbms,
            "apply_to_rollback": _flag(node, "applyToRollback", False),
            "contexts": (node.string("contextFilter") or node.string("context") or "").strip() or None,
            "labels": (node.string("labels") or "").strip() or None,
        }
        visitors: list[SqlVisitor] = []
        for child in node.children:
            visitor_type = VISITORS.get(child.name)
            if visitor_type is None:  # Liquibase ignores what its SqlVisitorFactory does not know
                warnings.append(f"{self.path}:{child.line}: '{child.name}' inside modifySql is not a Liquibase sql "
                                "visitor (append, prepend, replace, regExpReplace) and is ignored, as Liquibase does")
                continue
            own: dict[str, str | None] = {"value": child.string("value")}
            if visitor_type in (ReplaceSqlVisitor, RegExpReplaceSqlVisitor):
                own = {"replace": child.string("replace"), "with_": child.string("with")}
            visitors.append(visitor_type(**common, **own))  # type: ignore[arg-type]
        return visitors

    def unknown_change(self, node: Node) -> ChangelogError:
        return self.error(
            f"Error parsing {self.path}: Unknown change type '{node.name}'. Check for spelling or capitalization "
            "errors and missing extensions such as liquibase-commercial.",
            node,
        )

    def change(self, node: Node, warnings: list[str] | None = None) -> Change:
        change_type = CHANGE_TYPES.get(node.name)
        if node.name == "empty":
            return EmptyChange()
        if change_type is None:
            if node.name in LIQUIBASE_CHANGE_TYPES:
                return UnsupportedChange(element=node.name, file=self.path, line=node.line)
            raise self.unknown_change(node)
        ignored = _flatten_wrappers(node)
        if ignored and warnings is not None:
            warnings += [f"{self.path}: '{name}' inside the columns of {node.name} is ignored (as Liquibase does)"
                         for name in ignored]
        with load_warnings(warnings if warnings is not None else []):
            change = change_type.load(node, self.path)
        if isinstance(change, SqlFileChange | CreateViewChange | CreateProcedureChange) and change.path:
            self.read_change_file(change, node)
        if isinstance(change, LoadDataChange) and change.file:
            self.read_data_file(change, node)
        if change.name == "addColumn":
            for removed in self.removed_properties:
                for column in getattr(change, "columns", []):
                    setattr(column, snake(removed), None)
        return change

    def read_data_file(self, change: LoadDataChange, node: Node) -> None:
        """loadData's CSV, as bytes (its checksum is taken of the bytes; it may be gzipped).

        A missing file matters only when the changeset runs or its checksum is needed (validation
        and the checksum say so then), as in Liquibase.
        """
        path = change.file or ""
        target = normalize_path(resolve_sibling(self.path, path)) if change.relative_to_changelog_file else path
        with contextlib.suppress(ChangelogError):
            change.file_bytes = self.state.accessor.read_bytes(target)

    def read_change_file(self, change: SqlFileChange | CreateViewChange | CreateProcedureChange, node: Node) -> None:
        path = change.path or ""
        target = resolve_sibling(self.path, path) if change.relative_to_changelog_file else path
        try:
            text = self.state.accessor.read_text(target)
        except ChangelogError:
            raise self.error(f"The file {path} was not found in the configured search path", node) from None
        change.file_text = text
        change.expanded_text = self.expand(text)

    def rollback(self, node: Node, changeset: ChangeSet) -> list[Change]:
        reference = node.string("changeSetId")
        if reference is not None:
            author = node.string("changeSetAuthor")
            path = node.string("changeSetPath") or changeset.file_path
            found = self.state.find(path, reference, author)
            if not found:
                raise self.error(f"Change set {path}::{reference}::{author} does not exist", node)
            return [change for referenced in found for change in referenced.changes]
        changes: list[Change] = []
        for child in node.children:
            if child.name == "empty":
                changes.append(EmptyChange())
            elif child.name in CHANGE_TYPES or child.name in LIQUIBASE_CHANGE_TYPES:
                changes.append(self.change(child, changeset.warnings))
        text = (node.text or "").strip()
        if text and text.lower() != "empty":
            changes.extend(
                RawSqlChange(sql=statement)
                for statement in split_statements(text, end_delimiter=";", strip_comments=True)
            )
        return changes or [EmptyChange()]

    def preconditions(self, node: Node) -> Preconditions:
        on_fail = (node.string("onFail") or "HALT").upper()
        on_error = (node.string("onError") or "HALT").upper()
        for action in (on_fail, on_error):
            if action not in FAIL_ACTIONS:
                raise self.error(f"Unknown precondition action '{action}'", node)
        try:
            on_sql_output = sql_output_option(node.string("onSqlOutput") or node.string("onUpdateSQL"))
        except ValueError as error:
            raise self.error(str(error), node) from None
        container = Preconditions(
            on_fail=on_fail,  # type: ignore[arg-type]
            on_error=on_error,  # type: ignore[arg-type]
            on_fail_message=node.string("onFailMessage"),
            on_error_message=node.string("onErrorMessage"),
            on_sql_output=on_sql_output,
        )
        container.nested = self.nested_preconditions(node)
        return container

    def nested_preconditions(self, node: Node) -> list[Precondition]:
        settings = {"onFail", "onError", "onFailMessage", "onErrorMessage", "onSqlOutput", "onUpdateSQL"}
        return [self.precondition(child) for child in node.children if child.name not in settings]

    def precondition(self, node: Node) -> Precondition:
        name = node.name
        if name in ("and", "or", "not"):
            nested = self.nested_preconditions(node)
            return {"and": AndPrecondition, "or": OrPrecondition, "not": NotPrecondition}[name](nested=nested)
        if name == "dbms":
            return DbmsPrecondition(type=node.string("type") or "")
        if name == "sqlCheck":
            sql = node.string("sql") or (node.text or "").strip()
            return SqlCheckPrecondition(expected_result=node.string("expectedResult") or "", sql=sql)
        if name == "tableExists":
            return TableExistsPrecondition(node.string("tableName") or "", node.string("schemaName"))
        if name == "viewExists":
            return ViewExistsPrecondition(node.string("viewName") or "", node.string("schemaName"))
        if name == "columnExists":
            return ColumnExistsPrecondition(
                node.string("tableName") or "", node.string("columnName") or "", node.string("schemaName")
            )
        if name == "tableIsEmpty":
            return TableIsEmptyPrecondition(node.string("tableName") or "", node.string("schemaName"))
        if name == "rowCount":
            expected = node.string("expectedRows") or "0"
            return RowCountPrecondition(node.string("tableName") or "", int(expected), node.string("schemaName"))
        if name == "changeLogPropertyDefined":
            prop = node.string("property") or ""
            actual = self.state.parameters.get(prop, self.changelog_key())
            return ChangeLogPropertyDefinedPrecondition(prop, node.string("value"), actual)
        found = self.object_precondition(node)
        if found is not None:
            return found
        if name == "expectedQuotingStrategy":
            strategy = (node.string("strategy") or "").strip()
            if strategy not in QUOTING_STRATEGIES:
                raise self.error(f"Unknown expectedQuotingStrategy strategy '{strategy}' (one of "
                                 f"{', '.join(QUOTING_STRATEGIES)})", node)
            return ExpectedQuotingStrategyPrecondition(strategy, self.state.root_quoting_strategy)
        if name == "customPrecondition":
            return CustomPrecondition(element=name, file=self.path, line=node.line,
                                      class_name=node.string("className") or "")
        if name in _LIQUIBASE_PRECONDITIONS:
            return UnsupportedPrecondition(element=name, file=self.path, line=node.line)
        raise self.error(f"Unknown precondition '{name}'", node)

    def object_precondition(self, node: Node) -> Precondition | None:
        """The snapshot and session preconditions (``object_preconditions``), or None for another name."""
        get = node.string
        if node.name == "indexExists":
            return IndexExistsPrecondition(get("indexName"), get("tableName"), get("columnNames"), get("schemaName"))
        if node.name == "foreignKeyConstraintExists":
            return ForeignKeyExistsPrecondition(get("foreignKeyName"), get("foreignKeyTableName"), get("schemaName"))
        if node.name == "uniqueConstraintExists":
            return UniqueConstraintExistsPrecondition(
                get("constraintName"), get("tableName"), get("columnNames"), get("schemaName")
            )
        if node.name == "primaryKeyExists":
            return PrimaryKeyExistsPrecondition(get("primaryKeyName"), get("tableName"), get("schemaName"))
        if node.name == "sequenceExists":
            return SequenceExistsPrecondition(get("sequenceName") or "", get("schemaName"))
        if node.name == "runningAs":
            return RunningAsPrecondition(get("username") or "")
        if node.name == "changeSetExecuted":
            file = get("changeLogFile") or self.file_path()
            return ChangeSetExecutedPrecondition(get("id") or "", get("author") or "", file)
        return None


def _bind_changeset_strategy(precondition: Precondition, strategy: str) -> None:
    """Tell the changeset's ``expectedQuotingStrategy`` preconditions whose they are (its message names it)."""
    if isinstance(precondition, ExpectedQuotingStrategyPrecondition):
        precondition.changeset_strategy = strategy
    for nested in getattr(precondition, "nested", ()):
        _bind_changeset_strategy(nested, strategy)


def _flag(node: Node, key: str, default: bool) -> bool:
    """A changeset attribute read as Liquibase reads it (``Boolean.valueOf``: only ``true``, in any case, is true)."""
    value = node.string(key)
    return default if value is None else value.lower() == "true"


def _values(node: Node) -> list[str]:
    if node.children and all(child.name == "item" for child in node.children):
        return [child.text or "" for child in node.children]
    return [value for value in [java_string(node.text)] if value]


def _flatten_wrappers(node: Node) -> list[str]:
    """YAML/JSON wrap nested elements (``columns: [{column: ...}]``); XML does not. Unwrap them.

    Like Liquibase (AbstractChange.load), only the ``column`` items of a ``columns`` list count;
    anything else in it (a stray ``- addPrimaryKey:``) is ignored. Returns what was ignored.
    """
    flattened: list[Node] = []
    ignored: list[str] = []
    for child in node.children:
        if child.name == "columns" and any(grand.name == "column" for grand in child.children):
            flattened.extend(grand for grand in child.children if grand.name == "column")
            ignored += [grand.name for grand in child.children if grand.name != "column"]
        else:
            flattened.append(child)
    node.children = flattened
    return ignored


def parse_properties(text: str) -> dict[str, str]:
    """A Java ``.properties`` file (``key=value`` / ``key: value``, ``#`` and ``!`` comments)."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        separators = [index for index in (line.find("="), line.find(":")) if index >= 0]
        if not separators:
            values[line] = ""
            continue
        cut = min(separators)
        values[line[:cut].strip()] = line[cut + 1 :].strip()
    return values


__all__ = ["StructuredChangelog", "parse_properties"]
