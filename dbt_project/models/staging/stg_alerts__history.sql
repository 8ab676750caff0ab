-- One row per alert transition (firing / resolved) recorded by the alert engine, from the Parquet
-- export of its SQLite history. When no evaluation has run yet the file does not exist: the view
-- is then an empty relation of the same columns (checked when the model is built).
{%- set path = env_var('OPSDW_HOME', '../data') ~ '/lake/alerts/alert_history.parquet' %}
{%- set exported = true %}
{%- if execute %}
    {%- set found = run_query("select count(*) from glob('" ~ path ~ "')") %}
    {%- set exported = found.columns[0].values()[0] > 0 %}
{%- endif %}

with

{% if exported -%}
source as (

    select * from {{ source('opsdw_alerts', 'alert_history') }}

),
{%- else -%}
source as (

    select
        cast(null as bigint) as id,
        cast(null as varchar) as rule,
        cast(null as varchar) as fingerprint,
        cast(null as varchar) as labels,
        cast(null as varchar) as status,
        cast(null as varchar) as severity,
        cast(null as double) as value,
        cast(null as double) as threshold,
        cast(null as timestamp) as starts_at,
        cast(null as timestamp) as ends_at,
        cast(null as varchar) as summary,
        cast(null as varchar) as description,
        cast(null as timestamp) as recorded_at,
        cast(null as timestamp) as exported_at
    where false

),
{%- endif %}

renamed as (

    select
        cast(id as bigint) as history_id,
        cast(rule as varchar) as rule,
        cast(fingerprint as varchar) as fingerprint,
        cast(labels as varchar) as labels,
        cast(status as varchar) as status,
        cast(severity as varchar) as severity,
        cast(value as double) as value,
        cast(threshold as double) as threshold,
        cast(starts_at as timestamp) as starts_at,
        cast(ends_at as timestamp) as ends_at,
        cast(summary as varchar) as summary,
        cast(description as varchar) as description,
        cast(recorded_at as timestamp) as recorded_at,
        cast(exported_at as timestamp) as exported_at
    from source

)

select * from renamed
