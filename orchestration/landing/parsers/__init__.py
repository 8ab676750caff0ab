"""Format parsers, by the key a Source names in the catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestration.landing.parsers.base import ParseContext, Parser

if TYPE_CHECKING:
    from orchestration.sources.model import Source


def get_parser(key: str, source: Source | None = None) -> Parser:
    """The parser registered under `key` (imported on first use); generic parsers are configured
    by the `source` they parse."""
    if key == "nginx_combined":
        from orchestration.landing.parsers.nginx import NginxCombinedParser

        return NginxCombinedParser()
    if key == "prometheus_text":
        from orchestration.landing.parsers.prometheus import PrometheusTextParser

        return PrometheusTextParser()
    if key == "json_error_log":
        from orchestration.landing.parsers.jsonlog import JsonErrorLogParser

        return JsonErrorLogParser()
    if key == "jsonl_records":
        from orchestration.landing.parsers.jsonl import JsonLinesRecordParser

        if source is None:
            raise ValueError("the jsonl_records parser needs the Source it parses")
        return JsonLinesRecordParser(source)
    raise KeyError(f"no parser registered as {key!r}")


__all__ = ["ParseContext", "Parser", "get_parser"]
