{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('gap_end') }}"
    )
}}
-- One row per collection gap: two consecutive scrapes of a host further apart than gap_factor ×
-- scrape_interval_seconds. The gap belongs to the window of the scrape that ends it (gap_end);
-- its previous scrape may lie anywhere before the window. A silence that has not ended yet is
-- not a row here: stale_components shows it.
with

thresholds as (

    select * from {{ ref('int_cross_thresholds') }}

),

window_scrapes as (

    select ts, host, component
    from {{ ref('int_host_resources') }}
    where {{ ts_in_window('ts') }}

),

previous_scrapes as (

    -- each host's last scrape before the window (the start of a gap that ends inside it)
    select
        max(ts) as ts,
        host,
        arg_max(component, ts) as component
    from {{ ref('int_host_resources') }}
    where ts < {{ window_start() }}
    group by host

),

scrapes as (

    select * from window_scrapes
    union all
    select * from previous_scrapes

),

paired as (

    select
        host,
        component,
        lag(ts) over (partition by host order by ts) as gap_start,
        ts as gap_end
    from scrapes

),

final as (

    select
        paired.host,
        paired.component,
        paired.gap_start,
        paired.gap_end,
        {{ stable("date_diff('millisecond', paired.gap_start, paired.gap_end) / 60000.0", 3) }}
            as gap_minutes,
        cast(thresholds.scrape_interval_seconds as integer) as expected_interval_s,
        cast(
            round(
                date_diff('millisecond', paired.gap_start, paired.gap_end)
                / (1000.0 * thresholds.scrape_interval_seconds)
            ) - 1 as bigint
        ) as missed_scrapes
    from paired
    cross join thresholds
    where paired.gap_start is not null
      and {{ ts_in_window('paired.gap_end') }}
      and date_diff('millisecond', paired.gap_start, paired.gap_end)
          > 1000 * thresholds.gap_factor * thresholds.scrape_interval_seconds

)

select * from final
