"""Format parsers, by the key a Source names in the catalog."""

from __future__ import annotations

from orchestration.landing.parsers.base import ParseContext, Parser


def get_parser(key: str) -> Parser:
    """The parser registered under `key` (imported on first use)."""
    if key == "nginx_combined":
        from orchestration.landing.parsers.nginx import NginxCombinedParser

        return NginxCombinedParser()
    if key == "prometheus_text":
        from orchestration.landing.parsers.prometheus import PrometheusTextParser

        return PrometheusTextParser()
    if key == "json_error_log":
        from orchestration.landing.parsers.jsonlog import JsonErrorLogParser

        return JsonErrorLogParser()
    raise KeyError(f"no parser registered as {key!r}")


__all__ = ["ParseContext", "Parser", "get_parser"]
