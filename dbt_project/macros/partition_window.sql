{#- The partition window [min_date, max_date) every incremental model rebuilds.

    By hand: --vars '{"min_date": ..., "max_date": ...}' (the defaults in dbt_project.yml select
    everything). Dagster instead sets OPSDW_WINDOW_MIN_DATE / OPSDW_WINDOW_MAX_DATE in the dbt
    process's environment, and they win over the vars. They are read only while executing
    (`execute`), never while parsing, so dbt does not record them: a new window leaves dbt's
    partial parse valid, where a change of --vars forces a full re-parse of the project (~8 s per
    run). -#}

{% macro window_bound(name) -%}
    {%- set from_env = env_var('OPSDW_WINDOW_' ~ (name | upper), '') if execute else '' -%}
    {{- from_env or var(name) -}}
{%- endmacro %}

{#- True when this invocation has a partition window (environment or --vars), i.e. not the
    everything-window of dbt_project.yml's default vars. -#}
{% macro window_is_set() -%}
    {%- do return(window_bound('min_date') != '1970-01-01' or window_bound('max_date') != '2999-01-01') -%}
{%- endmacro %}

{% macro window_start(lookback_minutes=0) -%}
    {%- if lookback_minutes -%}
        (cast('{{ window_bound("min_date") }}' as timestamp) - to_minutes(cast({{ lookback_minutes }} as bigint)))
    {%- else -%}
        cast('{{ window_bound("min_date") }}' as timestamp)
    {%- endif -%}
{%- endmacro %}

{% macro window_end() -%}
    cast('{{ window_bound("max_date") }}' as timestamp)
{%- endmacro %}

{#- Predicate: ts_column in [min_date - lookback, max_date). -#}
{% macro ts_in_window(ts_column, lookback_minutes=0) -%}
    {{ ts_column }} >= {{ window_start(lookback_minutes) }} and {{ ts_column }} < {{ window_end() }}
{%- endmacro %}

{#- Predicate on the hive partition column, so DuckDB prunes Parquet files: ts lies within one
    day of event_date, so rows with ts in the window live in the partitions from the day before
    the window's first day (lookback included) to the day after its last day. -#}
{% macro event_date_covers_window(lookback_minutes=0, event_date_column='event_date') -%}
    {{ event_date_column }} >= cast({{ window_start(lookback_minutes) }} as date) - 1
    and {{ event_date_column }} <= cast({{ window_end() }} as date) + 1
{%- endmacro %}

{#- Pre-hook of every incremental model: on an incremental run, delete the target's rows whose
    window column is in [min_date, max_date); the model then appends that window again, so a
    re-run never duplicates and a window that became empty is emptied. Runs inside the same
    transaction as the insert. Renders to nothing on the first (or a --full-refresh) build. -#}
{% macro delete_partition_window(window_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ window_column }} >= {{ window_start() }}
          and {{ window_column }} < {{ window_end() }}
    {%- endif -%}
{%- endmacro %}
