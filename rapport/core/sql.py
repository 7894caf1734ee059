"""Hand-written SQL for the few statements on the storefront's hottest paths (add to cart, the
cart page, the product page and its cache check, the chat's numbered insert), where building
and compiling an ORM query cost ten times what the database took to answer it
(docs/performance.md, "Cart flow", "Product page" and issue 18's send path pass; ADR 0004).

Only what the ORM would also do, minus the per-call compiling: table and column names come from
the models, quoted for the database in use (a renamed field changes the SQL with it); values go
in as parameters, prepared as the field prepares them; values read are converted by the same
converters the ORM applies (a decimal from SQLite's floating point, a UUID from 32 hex digits,
an aware datetime). Everything else in Rapport uses the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _field(model: type[Model], name: str) -> Field:
    return cast(Field, model._meta.get_field(name))


def column(model: type[Model], field_name: str) -> str:
    """The quoted column of a concrete field (`"product"` gives the foreign key's column)."""
    return connection.ops.quote_name(cast(str, _field(model, field_name).column))


def db_value(model: type[Model], field_name: str, value: Any) -> Any:
    """`value` as the database stores that field (a UUID as 32 hex digits on SQLite, say)."""
    return _field(model, field_name).get_db_prep_value(value, connection)


Converter = Callable[[Any], Any]


class Columns:
    """The columns of a hand-written SELECT, each a model field read through a table alias:
    `sql` is the select list, `convert(row)` turns a fetched row into Python values as the ORM
    would, `instance(model, row)` builds a model instance from a row of that model's fields
    (fields not selected are deferred, as with `QuerySet.only`)."""

    def __init__(self, *selected: tuple[str, type[Model], str]) -> None:
        self.selected = selected
        self._converters: dict[str, list[Converter | None]] = {}
        self._attnames: list[str] | None = None

    @property
    def sql(self) -> str:
        return ", ".join(f"{alias}.{column(model, name)}" for alias, model, name in self.selected)

    def _for_connection(self) -> list[Converter | None]:
        found = self._converters.get(connection.vendor)
        if found is None:
            found = self._converters[connection.vendor] = [
                _converter(alias, _field(model, name)) for alias, model, name in self.selected
            ]
        return found

    def convert(self, row: Sequence[Any]) -> list[Any]:
        return [
            value if convert is None or value is None else convert(value)
            for convert, value in zip(self._for_connection(), row, strict=True)
        ]

    def instance(self, model: type[M], row: Sequence[Any]) -> M:
        """A `model` instance from a row of this SELECT, which must read only `model`'s fields."""
        if self._attnames is None:
            self._attnames = [_field(m, name).attname for _alias, m, name in self.selected]
        values = dict(zip(self._attnames, self.convert(row), strict=True))
        ordered = [f.attname for f in model._meta.concrete_fields if f.attname in values]
        return model.from_db(connection.alias, ordered, [values[name] for name in ordered])


def _converter(alias: str, field: Field) -> Converter | None:
    expression = field.get_col(alias)
    steps = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
    if not steps:
        return None

    def convert(value: Any) -> Any:
        for step in steps:
            value = step(value, expression, connection)
        return value

    return convert
