{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('ts') }}"
    )
}}
-- One row per host per scrape (host, ts) in the window: CPU from node_cpu_seconds_total counter
-- deltas, memory and root-filesystem usage from gauges. Samples from
-- host_resources_lookback_minutes before min_date are read so that the window's first scrape
-- has a previous sample to take deltas from; only scrapes inside the window are kept.
{%- set lookback = var('host_resources_lookback_minutes') %}

with

samples as (

    select
        ts,
        host,
        component,
        metric,
        labels,
        value
    from {{ ref('stg_system_metrics__samples') }}
    where {{ event_date_covers_window(lookback) }}
      and {{ ts_in_window('ts', lookback) }}
      and metric in (
          'node_cpu_seconds_total',
          'node_memory_MemAvailable_bytes',
          'node_memory_MemTotal_bytes',
          'node_filesystem_avail_bytes',
          'node_filesystem_size_bytes'
      )
      and isfinite(value)

),

cpu_counters as (

    select
        ts,
        host,
        labels['mode'] as mode,
        value,
        lag(value) over (
            partition by host, labels['cpu'], labels['mode']
            order by ts
        ) as previous_value
    from samples
    where metric = 'node_cpu_seconds_total'

),

cpu_deltas as (

    select
        ts,
        host,
        mode,
        -- A counter reset (value below the previous sample) counts the new value as the
        -- increase, as Prometheus' rate() does: never negative.
        case
            when previous_value is null then null
            when value >= previous_value then value - previous_value
            else value
        end as delta
    from cpu_counters

),

cpu as (

    select
        ts,
        host,
        -- summed as DECIMAL: exact, so the result does not depend on the order in which
        -- DuckDB's parallel aggregation adds the CPUs and modes (a float sum would)
        cast(sum(cast(delta as decimal(38, 9))) filter (where mode = 'idle') as double)
            as idle_seconds,
        cast(sum(cast(delta as decimal(38, 9))) as double) as all_seconds,
        -- every series of the scrape needs a previous sample, or the ratio mixes CPUs
        count(delta) = count(*) as is_complete
    from cpu_deltas
    group by ts, host

),

gauges as (

    select
        ts,
        host,
        max(value) filter (where metric = 'node_memory_MemAvailable_bytes') as mem_available,
        max(value) filter (where metric = 'node_memory_MemTotal_bytes') as mem_total,
        max(value) filter (
            where metric = 'node_filesystem_avail_bytes' and labels['mountpoint'] = '/'
        ) as root_avail,
        max(value) filter (
            where metric = 'node_filesystem_size_bytes' and labels['mountpoint'] = '/'
        ) as root_size
    from samples
    group by ts, host

),

scrapes as (

    select
        ts,
        host,
        max(component) as component
    from samples
    where {{ ts_in_window('ts') }}
    group by ts, host

),

final as (

    select
        scrapes.ts,
        scrapes.host,
        scrapes.component,
        case
            when cpu.is_complete and cpu.all_seconds > 0
                then 100 * (1 - cpu.idle_seconds / cpu.all_seconds)
        end as cpu_pct,
        100 * (1 - gauges.mem_available / nullif(gauges.mem_total, 0)) as mem_pct,
        100 * (1 - gauges.root_avail / nullif(gauges.root_size, 0)) as disk_pct
    from scrapes
    left join cpu
        on scrapes.ts = cpu.ts
        and scrapes.host = cpu.host
    left join gauges
        on scrapes.ts = gauges.ts
        and scrapes.host = gauges.host

)

select * from final
