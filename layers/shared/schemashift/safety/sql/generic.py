"""MySQL, MariaDB and SQLite statements read by sqlglot (its mysql and sqlite dialects).

sqlglot falls back to an opaque ``Command`` for syntax it does not model (``RENAME TABLE``,
``ALTER TABLE ... CONVERT TO CHARACTER SET``); those few are recognised from their words.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from schemashift.safety.sql.model import Analyzed, ConstraintKind, Op, SqlType
from schemashift.safety.sql.types import canonical

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # "falling back to Command" is expected, not news

_READ = {"mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}
_DIALECTS = {dialect: sqlglot.Dialect.get_or_raise(read) for dialect, read in _READ.items()}
"""One instance each: ``sqlglot.parse(sql, read=...)`` builds a dialect per statement (a tenth of
parsing one); an instance is settings only and makes a new tokenizer and parser every parse."""
_RENAME_TABLE = re.compile(r"^\s*RENAME\s+TABLES?\s+(\S+)\s+TO\s+(\S+)", re.I)
_DDL_WORDS = ("CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE")


def analyze(sql: str, dialect: str) -> list[Analyzed]:
    try:
        trees = [tree for tree in _DIALECTS[dialect].parse(sql) if tree is not None]
    except (ParseError, TokenError) as error:
        return [Analyzed(sql, parsed=False, error=str(error).splitlines()[0])]
    return [_statement(sql, tree) for tree in trees] or [Analyzed(sql)]


def _statement(sql: str, tree: exp.Expression) -> Analyzed:
    result = Analyzed(sql)
    if isinstance(tree, exp.Alter):
        _alter(tree, result)
    elif isinstance(tree, exp.Create):
        _create(tree, result)
    elif isinstance(tree, exp.Drop):
        _drop(tree, result)
    elif isinstance(tree, exp.TruncateTable):
        result.ddl = True
        result.ops.extend(Op("truncate", table=_table_name(table)) for table in tree.expressions)
    elif isinstance(tree, exp.Delete):
        result.ops.append(Op("delete", table=_table_name(tree.this), has_where=tree.args.get("where") is not None,
                             where=_where(tree)))
    elif isinstance(tree, exp.Update):
        columns = tuple(_name(eq.this) for eq in tree.expressions if isinstance(eq, exp.EQ))
        result.ops.append(Op("update", table=_table_name(tree.this), has_where=tree.args.get("where") is not None,
                             where=_where(tree), set_columns=columns))
    elif isinstance(tree, exp.Insert):
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        result.ops.append(Op("insert", table=_table_name(target)))
    elif isinstance(tree, exp.Command):
        _command(tree, result)
    return result


# -- statement kinds ----------------------------------------------------------------------------


def _alter(tree: exp.Alter, result: Analyzed) -> None:
    result.ddl = True
    table = _table_name(tree.this)
    if str(tree.args.get("kind") or "").upper() != "TABLE":
        result.ops.append(Op("other_ddl", table=table, detail=f"ALTER {tree.args.get('kind')}"))
        return
    for option in tree.args.get("options") or []:
        if isinstance(option, exp.AlgorithmProperty):
            result.algorithm = option.name.upper()
        elif isinstance(option, exp.LockProperty):
            result.lock = option.name.upper()
    for action in tree.args.get("actions") or []:
        result.ops.extend(_action(table, action))


def _action(table: str | None, action: exp.Expression) -> list[Op]:
    if isinstance(action, exp.ColumnDef):
        return [_column_op("add_column", table, action)]
    if isinstance(action, exp.ModifyColumn):
        definition = action.this
        renamed_from = action.args.get("rename_from")
        op = _column_op("alter_type", table, definition)
        ops = []
        if renamed_from is not None:
            ops.append(Op("rename_column", table=table, column=_name(renamed_from), new_name=op.column))
        return [*ops, op]
    if isinstance(action, exp.Drop):
        kind = str(action.args.get("kind") or "").upper()
        names = [_name(item) for item in action.args.get("tables") or action.expressions or []]
        if kind == "COLUMN":
            return [Op("drop_column", table=table, column=name, if_exists=bool(action.args.get("exists")))
                    for name in names]
        if kind in ("INDEX", "KEY"):
            return [Op("drop_index", table=table, name=name) for name in names]
        return [Op("drop_constraint", table=table, name=name, detail=kind) for name in names]
    if isinstance(action, exp.DropPrimaryKey):
        return [Op("drop_constraint", table=table, constraint="primary_key", detail="PRIMARY KEY")]
    if isinstance(action, exp.RenameColumn):
        return [Op("rename_column", table=table, column=_name(action.this), new_name=_name(action.args.get("to")))]
    if isinstance(action, exp.AlterRename):
        return [Op("rename_table", table=table, new_name=_table_name(action.this))]
    if isinstance(action, exp.AlterColumn):
        return [_alter_column(table, action)]
    if isinstance(action, exp.AddConstraint):
        return [_constraint(table, item) for item in action.expressions]
    return [Op("other_ddl", table=table, detail=type(action).__name__)]


def _alter_column(table: str | None, action: exp.AlterColumn) -> Op:
    column = _name(action.this)
    if action.args.get("dtype") is not None:
        return Op("alter_type", table=table, column=column, type=_type(action.args["dtype"]))
    if action.args.get("drop"):
        return Op("drop_default", table=table, column=column)
    if action.args.get("allow_null") is not None:
        return Op("drop_not_null" if action.args["allow_null"] else "set_not_null", table=table, column=column)
    return Op("set_default" if action.args.get("default") is not None else "other_ddl", table=table, column=column)


def _column_op(kind: str, table: str | None, definition: exp.ColumnDef) -> Op:
    op = Op(kind, table=table, column=definition.name, type=_type(definition.args.get("kind")))  # type: ignore[arg-type]
    for constraint in definition.args.get("constraints") or []:
        inner = constraint.args.get("kind")
        if isinstance(inner, exp.NotNullColumnConstraint):
            op.not_null = not inner.args.get("allow_null")
        elif isinstance(inner, exp.PrimaryKeyColumnConstraint):
            op.not_null = op.unique = True
        elif isinstance(inner, exp.UniqueColumnConstraint):
            op.unique = True
        elif isinstance(inner, exp.DefaultColumnConstraint):
            op.has_default = True
        elif isinstance(inner, exp.ComputedColumnConstraint) and inner.args.get("persisted"):
            op.has_default = True
            op.volatile_default = "stored generated"
        elif isinstance(inner, exp.AutoIncrementColumnConstraint):
            op.has_default = True
            op.volatile_default = "auto_increment"
        elif isinstance(inner, exp.Reference):
            op.constraint = "foreign_key"
    return op


def _constraint(table: str | None, item: exp.Expression) -> Op:
    name = item.name if isinstance(item, exp.Constraint) else None
    inner = item.expressions[0] if isinstance(item, exp.Constraint) and item.expressions else item
    kind: ConstraintKind = "check"
    if isinstance(inner, exp.ForeignKey):
        kind = "foreign_key"
    elif isinstance(inner, exp.PrimaryKey | exp.PrimaryKeyColumnConstraint):
        kind = "primary_key"
    elif isinstance(inner, exp.UniqueColumnConstraint):
        kind = "unique"
        schema = inner.this
        name = name or (schema.name if isinstance(schema, exp.Schema) and schema.this is not None else None)
    elif isinstance(inner, exp.IndexColumnConstraint):
        return Op("create_index", table=table, name=inner.name)
    return Op("add_constraint", table=table, name=name or None, constraint=kind)


def _create(tree: exp.Create, result: Analyzed) -> None:
    kind = str(tree.args.get("kind") or "").upper()
    result.ddl = True
    result.idempotent = bool(tree.args.get("replace") or tree.args.get("exists"))
    target = tree.this
    if kind == "TABLE":
        table = target.this if isinstance(target, exp.Schema) else target
        columns: dict[str, tuple[SqlType | None, bool]] = {}
        if isinstance(target, exp.Schema):
            for column in target.expressions:
                if isinstance(column, exp.ColumnDef):
                    added = _column_op("add_column", None, column)
                    columns[column.name.lower()] = (added.type, added.not_null)
        result.ops.append(Op("create_table", table=_table_name(table), columns=columns))
    elif kind == "INDEX" and isinstance(target, exp.Index):
        result.ops.append(Op("create_index", table=_table_name(target.args.get("table")), name=target.name,
                             unique=bool(tree.args.get("unique"))))
    elif kind == "VIEW":
        result.ops.append(Op("create_view", name=_table_name(target), table=_table_name(target)))
    else:
        result.ops.append(Op("other_ddl", detail=f"CREATE {kind}"))


def _drop(tree: exp.Drop, result: Analyzed) -> None:
    result.ddl = True
    result.idempotent = bool(tree.args.get("exists"))
    kind = {"TABLE": "drop_table", "VIEW": "drop_view", "INDEX": "drop_index"}.get(
        str(tree.args.get("kind") or "").upper())
    for table in tree.args.get("tables") or []:
        name = _table_name(table)
        if kind is None:
            result.ops.append(Op("other_ddl", name=name, detail=f"DROP {tree.args.get('kind')}"))
        elif kind == "drop_index":
            on = tree.args.get("cluster")
            result.ops.append(Op("drop_index", name=name, table=_table_name(on.this) if on is not None else None))
        else:
            result.ops.append(Op(kind, table=name, name=name, if_exists=bool(tree.args.get("exists"))))  # type: ignore[arg-type]


def _command(tree: exp.Command, result: Analyzed) -> None:
    text = result.sql.strip()
    word = text.split(None, 1)[0].upper() if text else ""
    if word not in _DDL_WORDS:
        return
    result.ddl = True
    rename = _RENAME_TABLE.match(text)
    if rename:
        result.ops.append(Op("rename_table", table=rename.group(1).strip("`\""),
                             new_name=rename.group(2).rstrip(",;").strip("`\"")))
    elif re.search(r"\bCONVERT\s+TO\s+CHARACTER\s+SET\b", text, re.I):
        table = re.match(r"^\s*ALTER\s+TABLE\s+(\S+)", text, re.I)
        result.ops.append(Op("other_ddl", table=table.group(1).strip("`\"") if table else None,
                             detail="CONVERT TO CHARACTER SET"))
    else:
        result.parsed = False
        result.error = f"{word} statement form not modelled by the parser"


# -- pieces -------------------------------------------------------------------------------------


def _name(node: Any) -> str:
    return node.name if isinstance(node, exp.Expression) else str(node or "")


def _table_name(node: Any) -> str | None:
    if isinstance(node, exp.Table | exp.Identifier):
        return node.name or None
    return _name(node) or None


def _type(data_type: Any) -> SqlType | None:
    if not isinstance(data_type, exp.DataType):
        return None
    args = []
    for param in data_type.expressions:
        value = param.this if isinstance(param, exp.DataTypeParam) else param
        if isinstance(value, exp.Literal) and value.is_int:
            args.append(int(value.this))
    name = data_type.this.value if isinstance(data_type.this, exp.DataType.Type) else str(data_type.this)
    return canonical(name, tuple(args))


def _where(tree: exp.Expression) -> str:
    where = tree.args.get("where")
    return where.sql().lower() if where is not None else ""
