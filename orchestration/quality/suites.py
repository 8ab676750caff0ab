"""Data-quality suites: plain JSON files in `expectations/`, loaded and validated without GX.

One file per checked asset, named `<suite name>.json`:

    {
      "name": "raw_api_requests",              # == file stem; the Dagster check is gx_<name>
      "asset": ["raw", "api_requests"],         # the Dagster asset key it checks
      "blocking": true,                         # true: a failure stops downstream assets (ERROR)
      "description": "What the suite guards.",  # optional
      "expectations": [
        {
          "type": "expect_column_values_to_be_between",   # GX 1.x expectation, snake_case
          "kwargs": {"column": "status", "min_value": 100, "max_value": 599},
          "meta": {"why": "HTTP status codes are 1xx-5xx"}  # optional, free-form
        }
      ]
    }

`type` is the snake_case name of a GX 1.x expectation class (`ExpectColumnValuesToBeBetween` ->
`expect_column_values_to_be_between`) and `kwargs` are that class's fields. A key starting with
`_` (e.g. `"_comment"`) is ignored at the top level. This module checks the file's shape only; whether
GX knows the expectation and accepts its kwargs is checked by `gx_runner` when the suite runs
(importing GX takes seconds, and sensors and the CLI import this module).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")  # valid in a Dagster check name once prefixed gx_
_TYPE_RE = re.compile(r"^expect_[a-z0-9_]+$")
_SUITE_KEYS = {"name", "asset", "blocking", "description", "expectations", "window_column"}
_EXPECTATION_KEYS = {"type", "kwargs", "meta"}


class SuiteError(ValueError):
    """A suite file is malformed, or names an expectation or arguments GX does not accept."""


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite, as written in the JSON."""

    type: str
    kwargs: Mapping[str, Any]
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def column(self) -> str | None:
        """The column(s) the expectation is about, for display (None for table-level ones)."""
        kw = self.kwargs
        if "column" in kw:
            return str(kw["column"])
        if "column_A" in kw and "column_B" in kw:
            return f"{kw['column_A']},{kw['column_B']}"
        if "column_list" in kw:
            return ",".join(str(c) for c in kw["column_list"])
        return None

    @property
    def label(self) -> str:
        """`type(column)` or just `type`: how results and check metadata name the expectation."""
        return f"{self.type}({self.column})" if self.column else self.type


@dataclass(frozen=True)
class Suite:
    """A validated suite: which asset it checks, whether it blocks, and its expectations."""

    name: str
    asset: tuple[str, ...]
    blocking: bool
    expectations: tuple[ExpectationSpec, ...]
    description: str = ""
    path: Path | None = None
    # a mart suite checks the rows whose window_column falls in the run's partition window
    # (the whole table when None)
    window_column: str | None = None

    @property
    def check_name(self) -> str:
        return f"gx_{self.name}"

    @property
    def source(self) -> str:
        """Where the suite came from, for error messages."""
        return str(self.path) if self.path else f"suite {self.name!r}"


def default_suites_dir() -> Path:
    from orchestration.settings import EXPECTATIONS_DIR

    return EXPECTATIONS_DIR


def parse_suite(data: Any, path: Path | None = None) -> Suite:
    """Validate a decoded suite document; raise SuiteError naming the file on any problem.

    With a `path`, the suite's name must equal the file's stem (one suite per file, findable).
    """
    source = str(path) if path is not None else "<suite>"

    def fail(msg: str) -> SuiteError:
        return SuiteError(f"{source}: {msg}")

    if not isinstance(data, dict):
        raise fail("top level must be a JSON object")
    unknown = {k for k in data if not k.startswith("_")} - _SUITE_KEYS
    if unknown:
        raise fail(f"unknown keys {sorted(unknown)}; allowed: {sorted(_SUITE_KEYS)}")
    for key in ("name", "asset", "blocking", "expectations"):
        if key not in data:
            raise fail(f"missing required key {key!r}")

    name = data["name"]
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise fail(f"'name' must match {_NAME_RE.pattern}, got {name!r}")
    if path is not None and name != path.stem:
        raise fail(f"'name' is {name!r} but the file is named {path.name!r}")

    asset = data["asset"]
    if not isinstance(asset, list) or not asset or not all(isinstance(p, str) and p for p in asset):
        raise fail(f"'asset' must be a non-empty list of strings (an asset key), got {asset!r}")

    blocking = data["blocking"]
    if not isinstance(blocking, bool):
        raise fail(f"'blocking' must be true or false, got {blocking!r}")

    description = data.get("description", "")
    if not isinstance(description, str):
        raise fail("'description' must be a string")

    window_column = data.get("window_column")
    if window_column is not None and (
        not isinstance(window_column, str) or not _NAME_RE.match(window_column)
    ):
        raise fail(f"'window_column' must be a column name, got {window_column!r}")

    raw_exps = data["expectations"]
    if not isinstance(raw_exps, list) or not raw_exps:
        raise fail("'expectations' must be a non-empty list")
    expectations = tuple(
        _parse_expectation(e, f"{source}: expectations[{i}]") for i, e in enumerate(raw_exps)
    )

    return Suite(
        name=name,
        asset=tuple(asset),
        blocking=blocking,
        expectations=expectations,
        description=description,
        path=path,
        window_column=window_column,
    )


def _parse_expectation(item: Any, where: str) -> ExpectationSpec:
    if not isinstance(item, dict):
        raise SuiteError(f"{where}: must be an object with 'type' and 'kwargs'")
    unknown = set(item) - _EXPECTATION_KEYS
    if unknown:
        raise SuiteError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_EXPECTATION_KEYS)}"
        )
    etype = item.get("type")
    if not isinstance(etype, str) or not _TYPE_RE.match(etype):
        raise SuiteError(
            f"{where}: 'type' must be a snake_case GX expectation name such as "
            f"'expect_column_values_to_not_be_null', got {etype!r}"
        )
    kwargs = item.get("kwargs", {})
    if not isinstance(kwargs, dict):
        raise SuiteError(f"{where} ({etype}): 'kwargs' must be an object")
    meta = item.get("meta", {})
    if not isinstance(meta, dict):
        raise SuiteError(f"{where} ({etype}): 'meta' must be an object")
    return ExpectationSpec(type=etype, kwargs=kwargs, meta=meta)


def load_suite(path: str | Path) -> Suite:
    """Read and validate one suite file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path}: not valid JSON: {exc}") from None
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read: {exc}") from None
    return parse_suite(data, path)


def load_suites(directory: str | Path | None = None) -> list[Suite]:
    """Every suite in `directory` (default `expectations/`), sorted by name (unique: name == stem)."""
    directory = Path(directory) if directory is not None else default_suites_dir()
    if not directory.is_dir():
        raise SuiteError(f"{directory}: suites directory does not exist")
    return [load_suite(p) for p in sorted(directory.glob("*.json"))]


def suites_by_asset(suites: Sequence[Suite] | None = None) -> dict[tuple[str, ...], list[Suite]]:
    """Suites grouped by the asset key they check."""
    out: dict[tuple[str, ...], list[Suite]] = {}
    for s in load_suites() if suites is None else suites:
        out.setdefault(s.asset, []).append(s)
    return out


def suites_for_asset(asset: Sequence[str], suites: Sequence[Suite] | None = None) -> list[Suite]:
    """The suites that check one asset key (e.g. `["raw", "api_requests"]`)."""
    return suites_by_asset(suites).get(tuple(asset), [])


def get_suite(name: str, suites: Sequence[Suite] | None = None) -> Suite:
    """One suite by name."""
    suites = load_suites() if suites is None else suites
    for s in suites:
        if s.name == name:
            return s
    raise KeyError(f"unknown suite {name!r}; known: {', '.join(s.name for s in suites)}")
