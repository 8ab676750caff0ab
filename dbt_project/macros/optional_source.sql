{#- Rows of a lake source that may not exist yet (nothing evaluated or exported so far): the
    source itself when at least one file matches `pattern` (relative to $OPSDW_HOME), else an
    empty relation with `columns` ({name: type}). source() is always called, so dbt and Dagster
    keep the lineage. -#}
{% macro optional_source(source_name, table_name, pattern, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set files = 1 -%}
    {%- if execute -%}
        {%- set path = env_var('OPSDW_HOME', '../data') ~ '/' ~ pattern -%}
        {%- set files = run_query("select count(*) from glob('" ~ path ~ "')").columns[0].values()[0] -%}
    {%- endif -%}
    {%- if files > 0 -%}
        select * from {{ relation }}
    {%- else -%}
        select {% for name, type in columns.items() %}cast(null as {{ type }}) as {{ name }}{{ ", " if not loop.last }}{% endfor %}
        where false
    {%- endif -%}
{%- endmacro %}
