{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('minute_start') }}"
    )
}}
-- One row per component, level and minute [minute_start, minute_start + 1 minute).
with

log_events as (

    select
        date_trunc('minute', ts) as minute_start,
        component,
        level
    from {{ ref('stg_error_logs__events') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}

),

final as (

    select
        minute_start,
        component,
        level,
        count(*) as error_count
    from log_events
    group by minute_start, component, level

)

select
    final.*,
    {{ data_ok('error_logs', "final.minute_start", "final.minute_start + interval '1 minute'") }} as data_ok
from final
