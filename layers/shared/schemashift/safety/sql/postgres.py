"""PostgreSQL statements read by pglast (libpg_query: PostgreSQL's own parser).

pglast's JSON parse tree is read as plain dicts: building its Python AST objects costs ten times
as much, and the lint must stay fast on thousands of changesets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pglast import parser as pg_parser

from schemashift.safety.sql.model import Analyzed, Op, SqlType
from schemashift.safety.sql.types import canonical

VOLATILE_FUNCTIONS = frozenset({
    "random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
    "uuid_generate_v4", "uuidv4", "uuidv7", "nextval", "txid_current", "statement_timestamp_volatile",
    "random_normal", "setseed",
})  # fmt: skip
"""Functions PostgreSQL marks VOLATILE: a default calling one is evaluated per row, rewriting the table."""
_SERIAL_TYPES = frozenset({"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"})
_NOT_IN_TRANSACTION = frozenset({"VacuumStmt", "CreatedbStmt", "DropdbStmt", "AlterSystemStmt", "CreateTableSpaceStmt",
                                 "DropTableSpaceStmt", "CreateSubscriptionStmt", "DropSubscriptionStmt"})
_CONSTRAINTS = {"CONSTR_UNIQUE": "unique", "CONSTR_PRIMARY": "primary_key", "CONSTR_FOREIGN": "foreign_key",
                "CONSTR_CHECK": "check", "CONSTR_EXCLUSION": "unique", "CONSTR_NOTNULL": "not_null"}
_DML = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "SelectStmt", "MergeStmt", "CopyStmt"})


def analyze(sql: str) -> list[Analyzed]:
    """The statements in ``sql`` (normally one), each with its operations."""
    try:
        tree = json.loads(pg_parser.parse_sql_json(sql))
    except pg_parser.ParseError as error:
        return [Analyzed(sql, parsed=False, error=str(error))]
    return [_statement(sql, raw.get("stmt") or {}) for raw in tree.get("stmts", [])] or [Analyzed(sql)]


def _statement(sql: str, stmt: dict[str, Any]) -> Analyzed:
    ((kind, node),) = stmt.items() if stmt else (("", {}),)
    result = Analyzed(sql, ddl=kind not in _DML and kind not in ("TransactionStmt", "VariableSetStmt", ""))
    handler = _HANDLERS.get(kind)
    if handler is not None:
        handler(node, result)
    elif result.ddl:
        result.ops.append(Op("other_ddl", detail=kind))
    if kind in _NOT_IN_TRANSACTION or (kind == "ReindexStmt" and _concurrently_param(node)):
        result.transactional = False
    return result


# -- statement kinds ----------------------------------------------------------------------------


def _create(node: dict[str, Any], result: Analyzed) -> None:
    table = _relname(node.get("relation"))
    result.idempotent = bool(node.get("if_not_exists"))
    columns: dict[str, tuple[SqlType | None, bool]] = {}
    for element in node.get("tableElts", []):
        column = element.get("ColumnDef")
        if column:
            added = _added_column(table, column)
            columns[str(column.get("colname", "")).lower()] = (added.type, added.not_null)
    result.ops.append(Op("create_table", table=table, columns=columns))


def _drop(node: dict[str, Any], result: Analyzed) -> None:
    kind = {"OBJECT_TABLE": "drop_table", "OBJECT_VIEW": "drop_view", "OBJECT_MATVIEW": "drop_view",
            "OBJECT_INDEX": "drop_index"}.get(node.get("removeType", ""))
    result.idempotent = bool(node.get("missing_ok"))
    if node.get("concurrent"):
        result.transactional = False
    if kind is None:
        result.ops.append(Op("other_ddl", detail=f"DROP {node.get('removeType', '')}"))
        return
    for obj in node.get("objects", []):
        names = [_string(item) for item in (obj.get("List") or {}).get("items", [])]
        name = names[-1] if names else None
        op = Op(kind, table=name if kind != "drop_index" else None, name=name, if_exists=bool(node.get("missing_ok")),  # type: ignore[arg-type]
                concurrently=bool(node.get("concurrent")))
        result.ops.append(op)


def _alter_table(node: dict[str, Any], result: Analyzed) -> None:
    table = _relname(node.get("relation"))
    if node.get("objtype") not in (None, "OBJECT_TABLE"):
        result.ops.append(Op("other_ddl", table=table, detail=str(node.get("objtype"))))
        return
    for raw in node.get("cmds", []):
        command = raw.get("AlterTableCmd") or {}
        result.ops.extend(_alter_command(table, command))


def _alter_command(table: str | None, command: dict[str, Any]) -> Iterator[Op]:
    subtype = command.get("subtype", "")
    column = command.get("name")
    definition = command.get("def") or {}
    if subtype == "AT_AddColumn":
        yield _added_column(table, definition.get("ColumnDef") or {})
    elif subtype == "AT_DropColumn":
        yield Op("drop_column", table=table, column=column, if_exists=bool(command.get("missing_ok")))
    elif subtype == "AT_AlterColumnType":
        yield Op("alter_type", table=table, column=column, type=_type((definition.get("ColumnDef") or {}).get("typeName")))
    elif subtype == "AT_SetNotNull":
        yield Op("set_not_null", table=table, column=column, constraint="not_null")
    elif subtype == "AT_DropNotNull":
        yield Op("drop_not_null", table=table, column=column)
    elif subtype == "AT_ColumnDefault":
        yield Op("set_default" if definition else "drop_default", table=table, column=column)
    elif subtype == "AT_AddConstraint":
        yield _constraint(table, definition.get("Constraint") or {})
    elif subtype == "AT_DropConstraint":
        yield Op("drop_constraint", table=table, name=column, if_exists=bool(command.get("missing_ok")))
    elif subtype == "AT_ValidateConstraint":
        yield Op("validate_constraint", table=table, name=column)
    else:
        yield Op("other_ddl", table=table, detail=subtype)


def _added_column(table: str | None, column: dict[str, Any]) -> Op:
    type_name = column.get("typeName") or {}
    op = Op("add_column", table=table, column=column.get("colname"), type=_type(type_name))
    if _last_name(type_name) in _SERIAL_TYPES:
        op.volatile_default = _last_name(type_name)
        op.has_default = True
    for raw in column.get("constraints", []):
        constraint = raw.get("Constraint") or {}
        contype = constraint.get("contype")
        if contype == "CONSTR_NOTNULL":
            op.not_null = True
        elif contype == "CONSTR_PRIMARY":
            op.not_null = True
            op.unique = True
        elif contype == "CONSTR_UNIQUE":
            op.unique = True
        elif contype == "CONSTR_DEFAULT":
            op.has_default = True
            op.volatile_default = op.volatile_default or _volatile_call(constraint.get("raw_expr"))
        elif contype == "CONSTR_IDENTITY":
            op.has_default = True
            op.volatile_default = "identity"
        elif contype == "CONSTR_GENERATED":
            op.has_default = True
            op.volatile_default = "stored generated"
        elif contype == "CONSTR_FOREIGN":
            op.constraint = "foreign_key"
        elif contype == "CONSTR_CHECK":
            op.constraint = op.constraint or "check"
    return op


def _constraint(table: str | None, constraint: dict[str, Any]) -> Op:
    return Op(
        "add_constraint", table=table, name=constraint.get("conname"),
        constraint=_CONSTRAINTS.get(constraint.get("contype", ""), "check"),  # type: ignore[arg-type]
        not_valid=bool(constraint.get("skip_validation")), using_index=bool(constraint.get("indexname")),
    )


def _rename(node: dict[str, Any], result: Analyzed) -> None:
    kind = node.get("renameType")
    table = _relname(node.get("relation"))
    if kind == "OBJECT_COLUMN":
        result.ops.append(Op("rename_column", table=table, column=node.get("subname"), new_name=node.get("newname")))
    elif kind == "OBJECT_TABLE":
        result.ops.append(Op("rename_table", table=table, new_name=node.get("newname")))
    else:
        result.ops.append(Op("other_ddl", table=table, detail=f"RENAME {kind}"))


def _index(node: dict[str, Any], result: Analyzed) -> None:
    result.idempotent = bool(node.get("if_not_exists"))
    concurrently = bool(node.get("concurrent"))
    if concurrently:
        result.transactional = False
    result.ops.append(Op("create_index", table=_relname(node.get("relation")), name=node.get("idxname"),
                         unique=bool(node.get("unique") or node.get("primary")), concurrently=concurrently))


def _truncate(node: dict[str, Any], result: Analyzed) -> None:
    for relation in node.get("relations", []):
        result.ops.append(Op("truncate", table=_relname(relation.get("RangeVar"))))


def _delete(node: dict[str, Any], result: Analyzed) -> None:
    result.ops.append(Op("delete", table=_relname(node.get("relation")), has_where="whereClause" in node,
                         where=_where_text(result.sql)))


def _update(node: dict[str, Any], result: Analyzed) -> None:
    targets = tuple(str((t.get("ResTarget") or {}).get("name", "")).lower() for t in node.get("targetList", []))
    result.ops.append(Op("update", table=_relname(node.get("relation")), has_where="whereClause" in node,
                         where=_where_text(result.sql), set_columns=targets))


def _insert(node: dict[str, Any], result: Analyzed) -> None:
    result.ops.append(Op("insert", table=_relname(node.get("relation"))))


def _view(node: dict[str, Any], result: Analyzed) -> None:
    result.idempotent = bool(node.get("replace"))
    result.ops.append(Op("create_view", table=_relname(node.get("view")), name=_relname(node.get("view"))))


def _replaceable(node: dict[str, Any], result: Analyzed) -> None:
    result.idempotent = bool(node.get("replace") or node.get("if_not_exists"))


_HANDLERS = {
    "CreateStmt": _create, "DropStmt": _drop, "AlterTableStmt": _alter_table, "RenameStmt": _rename,
    "IndexStmt": _index, "TruncateStmt": _truncate, "DeleteStmt": _delete, "UpdateStmt": _update,
    "InsertStmt": _insert, "ViewStmt": _view, "CreateFunctionStmt": _replaceable, "CreateTrigStmt": _replaceable,
    "CreateSeqStmt": _replaceable, "CreateSchemaStmt": _replaceable, "CreateExtensionStmt": _replaceable,
    "RuleStmt": _replaceable,
}


# -- pieces -------------------------------------------------------------------------------------


def _relname(relation: dict[str, Any] | None) -> str | None:
    return str(relation["relname"]) if relation and relation.get("relname") else None


def _string(node: dict[str, Any]) -> str:
    return str((node.get("String") or {}).get("sval", ""))


def _last_name(type_name: dict[str, Any]) -> str:
    names = [_string(part) for part in type_name.get("names", [])]
    return names[-1].lower() if names else ""


def _type(type_name: dict[str, Any] | None) -> SqlType | None:
    if not type_name:
        return None
    args: list[int] = []
    for modifier in type_name.get("typmods", []):
        constant = modifier.get("A_Const") or {}
        if "ival" in constant:
            args.append(int((constant.get("ival") or {}).get("ival", 0)))
    name = _last_name(type_name)
    if type_name.get("arrayBounds"):
        name += "[]"
    return canonical(name, tuple(args))


def _volatile_call(expression: Any) -> str | None:
    """The first volatile function called anywhere in an expression tree."""
    if isinstance(expression, dict):
        call = expression.get("FuncCall")
        if call:
            name = _string(call.get("funcname", [{}])[-1]).lower()
            if name in VOLATILE_FUNCTIONS:
                return f"{name}()"
        for value in expression.values():
            found = _volatile_call(value)
            if found:
                return found
    elif isinstance(expression, list):
        for value in expression:
            found = _volatile_call(value)
            if found:
                return found
    return None


def _concurrently_param(node: dict[str, Any]) -> bool:
    return any((p.get("DefElem") or {}).get("defname") == "concurrently" for p in node.get("params", []))


def _where_text(sql: str) -> str:
    lowered = sql.lower()
    index = lowered.find(" where ")
    return lowered[index + 7 :] if index >= 0 else ""
