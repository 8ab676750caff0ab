"""opsdw: the operational-data warehouse's Dagster code (sources, landing, dbt, checks, alerts, serving)."""
