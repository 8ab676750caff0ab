"""Source families beyond the three telemetry logs, one module per area.

Each module exposes `SOURCES: tuple[Source, ...]`; `orchestration.sources.catalog` merges them.
"""
