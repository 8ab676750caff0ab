"""GX Data Docs for the GX checks: every validation a run makes, as GX renders it, under
`$OPSDW_HOME/docs/quality/` (open `index.html`).

How it works (docs/quality.md tells the operator's side):

- A file-backed GX context lives in `$OPSDW_HOME/gx/` (`great_expectations.yml`, the expectation
  suites as GX stores them, and the validation results store under `uncommitted/validations/`).
  Its one Data Docs site, `local_site`, is written to `../docs/quality/` relative to that
  context, i.e. `$OPSDW_HOME/docs/quality/`.
- The checks validate with the ephemeral context of `gx_runner` (fast, nothing on disk). Each
  check hands its GX result to the run's `DataDocsRecorder` (a Dagster resource, one per run with
  the in-process executor), which only computes where the page will be: the check's metadata links
  it. When the run's steps are done (the resource's teardown, after failures too) `flush()` stores
  the run's suites and results in the file context and builds the site once: one page per
  validation, one per suite, the index. One build per run because GX's site builder lists every
  stored result and compiles its templates on each call: ~0.3-1 s per call, so per-check builds
  would cost that times the number of suites.
- Retention (idempotent re-runs): per suite, a newer validation of the same partition(s) replaces
  the older one, and only the newest `OPSDW_GX_DOCS_KEEP` validations are kept (default 5: the index
  page reads every kept result on each build, ~5 ms each); the index build deletes the pages of removed results.
- Readable offline: GX's index page fills its tables (suites, validations) with bootstrap-table,
  loaded from CDNs at view time; without network they stay empty. The site's index view is
  `OfflineIndexPageView`: GX's own `DefaultJinjaIndexPageView` whose `bootstrap_table.j2` also
  writes the rows into the HTML (GX's template, one `<tbody>` added), so the page lists the suites
  and validations with or without the CDN; when the scripts load, bootstrap-table redraws the
  table exactly as stock GX does. Validation and suite pages are rendered server-side by GX
  anyway.
- Safe with the in-process executor: one lock per process and an OS file lock on
  `$OPSDW_HOME/gx/.opsdw-docs.lock` around every write.

GX is imported only inside `flush()` (and what it calls): importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.settings import paths

if TYPE_CHECKING:
    from orchestration.quality.gx_runner import SuiteResult
    from orchestration.quality.suites import Suite

log = logging.getLogger(__name__)

SITE_NAME = "local_site"
DEFAULT_KEEP_PER_SUITE = 5
KEEP_ENV = "OPSDW_GX_DOCS_KEEP"
# relative to the GX context root ($OPSDW_HOME/gx): the site lands in $OPSDW_HOME/docs/quality
_SITE_BASE_DIRECTORY = "../docs/quality/"
_SITE_CONFIG: dict[str, Any] = {
    "class_name": "SiteBuilder",
    "show_how_to_buttons": False,
    "store_backend": {
        "class_name": "TupleFilesystemStoreBackend",
        "base_directory": _SITE_BASE_DIRECTORY,
    },
    "site_index_builder": {
        "class_name": "DefaultSiteIndexBuilder",
        "view": {"module_name": __name__, "class_name": "OfflineIndexPageView"},
    },
}


def gx_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """The file-backed GX context: `$OPSDW_HOME/gx`."""
    return paths(home).home / "gx"


def site_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """The Data Docs site: `$OPSDW_HOME/docs/quality`."""
    return paths(home).home / "docs" / "quality"


def index_page(home: str | os.PathLike[str] | None = None) -> Path:
    return site_dir(home) / "index.html"


def keep_per_suite() -> int:
    """How many validations per suite Data Docs keep (`OPSDW_GX_DOCS_KEEP`, default 5)."""
    raw = os.environ.get(KEEP_ENV, "").strip()
    try:
        return max(1, int(raw)) if raw else DEFAULT_KEEP_PER_SUITE
    except ValueError:
        return DEFAULT_KEEP_PER_SUITE


def run_name_for(partitions: list[str] | tuple[str, ...] | None) -> str:
    """How a validation is named in GX (its RunIdentifier.run_name): the partition(s) checked."""
    if not partitions:
        return "unpartitioned"
    days = sorted(partitions)
    return days[0] if len(days) == 1 else f"{days[0]}..{days[-1]}"


def batch_identifier_for(suite: Suite) -> str:
    """The batch part of a result's key: the Dagster asset key, `raw.api_requests`."""
    return ".".join(suite.asset)


@dataclass(frozen=True)
class DocsPage:
    """Where a validation's Data Docs page is (written when the run's checks are done)."""

    page: Path
    index: Path

    @property
    def url(self) -> str:
        return self.page.as_uri()


@dataclass
class _Pending:
    suite: Suite
    result: Any  # ExpectationSuiteValidationResult
    key: Any  # ValidationResultIdentifier


@dataclass
class DataDocsRecorder:
    """Collects the validations of one run (`record`) and writes them to Data Docs (`flush`)."""

    home: Path = field(default_factory=lambda: paths().home)
    pending: list[_Pending] = field(default_factory=list)
    last_build_seconds: float | None = None

    def record(self, suite: Suite, result: SuiteResult) -> DocsPage | None:
        """Queue `result` (from `gx_runner.run_suite`) for the site; where its page will be."""
        gx_result = result.gx_result
        if gx_result is None:
            return None
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        run_id = gx_result.meta["run_id"]
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
            run_id=run_id,
            batch_identifier=batch_identifier_for(suite),
        )
        self.pending.append(_Pending(suite, gx_result, key))
        return DocsPage(page=validation_page(key, self.home), index=index_page(self.home))

    def flush(self) -> Path | None:
        """Store the queued validations and build the site once; the index page (None if idle)."""
        if not self.pending:
            return None
        import time

        started = time.perf_counter()
        pending, self.pending = self.pending, []
        with _locked(self.home):
            context = _file_context(self.home)
            changed = _store(context, pending, gx_dir(self.home))
            _prune(context, {p.suite.name for p in pending}, keep_per_suite())
            suite_ids = {
                p.suite.name: p.key.expectation_suite_identifier
                for p in pending
                if p.suite.name in changed
                or not site_dir(self.home).joinpath("expectations", f"{p.suite.name}.html").exists()
            }
            identifiers = [p.key for p in pending] + list(suite_ids.values())
            context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=identifiers)
        self.last_build_seconds = time.perf_counter() - started
        return index_page(self.home)


def validation_page(key: Any, home: str | os.PathLike[str] | None = None) -> Path:
    """The HTML page GX's site builder writes for a ValidationResultIdentifier:
    `validations/<suite>/<run_name>/<run_time>/<batch>.html` (HtmlSiteStore's layout)."""
    *folders, batch = key.to_tuple()
    return site_dir(home).joinpath("validations", *folders, f"{batch}.html")


# --------------------------------------------------------------------------- GX side

_STATIC_ROWS = """<tbody>
{%- for row in opsdw_rows %}
  <tr{% if row.get("_table_row_link_path") %} data-href="{{ row["_table_row_link_path"] }}"{% endif %}>
  {%- for column in table_columns %}
    <td>{{ row.get(column["field"], "") | safe }}</td>
  {%- endfor %}
  </tr>
{%- endfor %}
</tbody>
</table>"""
_TABLE_END = 'data-toggle="table"\n>\n</table>'
_view_class: Any = None


def __getattr__(name: str) -> Any:
    """`OfflineIndexPageView`, built on first use (GX's site builder imports it by name), so
    that importing this module does not import GX."""
    if name == "OfflineIndexPageView":
        return _offline_index_view()
    raise AttributeError(name)


def _offline_index_view() -> Any:
    global _view_class
    if _view_class is not None:
        return _view_class
    import jinja2
    from great_expectations.render.view import DefaultJinjaIndexPageView

    class OfflineIndexPageView(DefaultJinjaIndexPageView):
        """GX's index page view; its bootstrap tables also carry their rows as plain HTML."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            source, _, _ = self.env.loader.get_source(self.env, "bootstrap_table.j2")
            if _TABLE_END not in source:  # a GX upgrade changed the template: stock view
                log.warning("GX bootstrap_table.j2 changed: Data Docs index without static rows")
                return
            # the same rendered row dicts feed the static rows and bootstrap-table's data
            patched = source.replace(
                '{{ content_block["table_data"] | render_bootstrap_table_data }}',
                "{{ opsdw_rows }}",
            ).replace(_TABLE_END, 'data-toggle="table"\n>\n' + _STATIC_ROWS)
            patched = (
                '{% set opsdw_rows = content_block["table_data"] | render_bootstrap_table_data %}\n'
                + patched
            )
            self.env.loader = jinja2.ChoiceLoader(
                [jinja2.DictLoader({"bootstrap_table.j2": patched}), self.env.loader]
            )

    _view_class = OfflineIndexPageView
    return _view_class


_contexts: dict[Path, Any] = {}
_process_lock = threading.Lock()


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    root = gx_dir(home)
    root.mkdir(parents=True, exist_ok=True)
    with _process_lock, open(root / ".opsdw-docs.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _file_context(home: Path) -> Any:
    """The file-backed GX context in `$OPSDW_HOME/gx` (created on first use), its site set."""
    root = gx_dir(home)
    context = _contexts.get(root)
    if context is not None and (root / "great_expectations.yml").exists():
        return context
    import great_expectations as gx

    context = gx.get_context(mode="file", context_root_dir=str(root))
    if context.config.analytics_enabled is not False:
        context.enable_analytics(False)
    sites = context.config.data_docs_sites or {}
    if set(sites) != {SITE_NAME} or _plain(sites.get(SITE_NAME)) != _SITE_CONFIG:
        for name in list(sites):
            if name != SITE_NAME:
                context.delete_data_docs_site(name)
        if SITE_NAME in sites:
            context.update_data_docs_site(SITE_NAME, _SITE_CONFIG)
        else:
            context.add_data_docs_site(SITE_NAME, _SITE_CONFIG)
    _contexts[root] = context
    return context


def _plain(value: Any) -> Any:
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _store(context: Any, pending: list[_Pending], root: Path) -> set[str]:
    """Store the suites that changed since they were last stored, and every result; the names
    of the suites (re)stored. A digest per suite in `.opsdw-suites.json` spares rewriting and
    re-rendering 40 unchanged suites on every run (GX's add_or_update reads, diffs and
    re-serialises each: ~50 ms a suite)."""
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    from orchestration.quality.gx_runner import build_expectations

    digests_file = root / ".opsdw-suites.json"
    try:
        digests = json.loads(digests_file.read_text())
    except (OSError, ValueError):
        digests = {}
    changed: set[str] = set()
    seen: set[str] = set()
    for item in pending:
        suite = item.suite
        if suite.name not in seen:
            seen.add(suite.name)
            digest = _suite_digest(suite)
            stored = context.expectations_store.has_key(ExpectationSuiteIdentifier(name=suite.name))
            if digests.get(suite.name) != digest or not stored:
                context.suites.add_or_update(
                    gx.ExpectationSuite(
                        name=suite.name,
                        expectations=build_expectations(suite),
                        meta={"notes": suite.description} if suite.description else {},
                    )
                )
                digests[suite.name] = digest
                changed.add(suite.name)
        result = item.result
        # the index page's "Asset name" column: the Dagster asset, not GX's in-memory "frame"
        batch_definition = result.meta.get("active_batch_definition")
        if batch_definition is not None:
            with contextlib.suppress(Exception):
                batch_definition["data_asset_name"] = "/".join(suite.asset)
        context.validation_results_store.set(item.key, result)
    if changed:
        tmp = digests_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(digests, indent=1, sort_keys=True))
        os.replace(tmp, digests_file)
    return changed


def _suite_digest(suite: Suite) -> str:
    body = {
        "description": suite.description,
        "expectations": [[e.type, e.kwargs, e.meta] for e in suite.expectations],
    }
    text = json.dumps(body, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _prune(context: Any, suite_names: set[str], keep: int) -> None:
    """Per suite: one validation per run name (partitions), the newest `keep` in all.

    Removing a result from the store is enough: the index build that follows deletes the
    HTML pages of results that are gone (GX's skip_and_clean_missing).
    """
    store = context.validation_results_store
    by_suite: dict[str, list[Any]] = {}
    for key in store.list_keys():
        name = key.expectation_suite_identifier.name
        if name in suite_names:
            by_suite.setdefault(name, []).append(key)
    for keys in by_suite.values():
        keys.sort(key=lambda k: k.run_id.run_time, reverse=True)
        seen: set[str] = set()
        kept = 0
        for key in keys:
            run_name = str(key.run_id.run_name)
            if run_name in seen or kept >= keep:
                store.remove_key(key)
                continue
            seen.add(run_name)
            kept += 1
