{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('window_start') }}"
    )
}}
-- One row per host per 5-minute window [window_start, window_end), from the host's scrapes.
with

scrapes as (

    select
        time_bucket(interval '5 minutes', ts) as window_start,
        host,
        component,
        cpu_pct,
        mem_pct,
        disk_pct
    from {{ ref('int_host_resources') }}
    where {{ ts_in_window('ts') }}

),

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'host_high_cpu_pct')
            as high_cpu_pct,
        max(threshold_value) filter (where threshold_name = 'host_high_memory_pct')
            as high_memory_pct
    from {{ ref('performance_thresholds') }}

),

final as (

    select
        scrapes.window_start,
        scrapes.window_start + interval '5 minutes' as window_end,
        scrapes.host,
        max(scrapes.component) as component,
        count(*) as samples,
        {{ stable("avg(scrapes.cpu_pct)") }} as avg_cpu_pct,
        max(scrapes.cpu_pct) as max_cpu_pct,
        min(scrapes.cpu_pct) as min_cpu_pct,
        {{ stable("avg(scrapes.mem_pct)") }} as avg_mem_pct,
        max(scrapes.mem_pct) as max_mem_pct,
        {{ stable("avg(scrapes.disk_pct)") }} as avg_disk_pct,
        max(scrapes.disk_pct) as max_disk_pct,
        count_if(scrapes.cpu_pct > thresholds.high_cpu_pct) as high_cpu_samples,
        count_if(scrapes.mem_pct > thresholds.high_memory_pct) as high_memory_samples
    from scrapes
    cross join thresholds
    group by scrapes.window_start, scrapes.host

)

select
    final.*,
    -- were this host's scrapes complete and fresh in the window? (SLA results; NULL: unknown)
    {{ data_ok('system_metrics', 'final.window_start', 'final.window_end', '[final.host]') }}
        as data_ok
from final
