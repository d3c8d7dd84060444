"""docs/api.md and the API's one definition in code agree: the method table names every
method of the Api Protocol with its parameters (which are optional, and their defaults),
and the shape tables are exactly what the shapes generate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mmsua.api import reference
from mmsua.api.methods import METHODS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()


def _method_rows() -> dict[str, str]:
    """method -> params cell, from the `| method | params | result |` table."""
    table = DOC.split("| method | params | result |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows[cells[0].strip("`")] = cells[1]
    return rows


def _params(cell: str) -> dict[str, tuple[bool, str | None]]:
    """name -> (optional, default shown) for a params cell: "`limit?` (50), `offset?`"."""
    defaults = {name: value for name, value in re.findall(r"`(\w+)\??` \((-?\d+)\)", cell)}
    while re.search(r"\([^()]*\)", cell):  # notes in parentheses name values, not parameters
        cell = re.sub(r"\([^()]*\)", "", cell)
    return {name: (optional == "?", defaults.get(name)) for name, optional in re.findall(r"`(\w+)(\??)`", cell)}


def test_the_method_table_names_every_method_of_the_api() -> None:
    assert list(_method_rows()) == list(METHODS)


@pytest.mark.parametrize("name", list(METHODS))
def test_each_methods_parameters_are_documented_as_the_code_has_them(name: str) -> None:
    documented = _params(_method_rows()[name])
    method = METHODS[name]
    assert list(documented) == list(method.param_names), name
    for param in method.params:
        optional, default = documented[param.name]
        assert optional == (not param.required), f"{name}: {param.name} is {'optional' if not param.required else 'required'}"
        if default is not None:
            assert int(default) == param.default, f"{name}: {param.name} defaults to {param.default!r}"


def test_the_shape_tables_are_the_ones_the_shapes_generate() -> None:
    assert reference.BEGIN in DOC and reference.END in DOC, "docs/api.md lost its shape table markers"
    shown = DOC.split(reference.BEGIN, 1)[1].split(reference.END, 1)[0].strip()
    assert shown == reference.shape_tables(), "docs/api.md's shape tables are stale: paste `python -m mmsua.api.reference`"
