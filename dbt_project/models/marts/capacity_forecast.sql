{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('day') }}"
    )
}}
-- One row per UTC day, host and resource (disk = root filesystem, memory): where the resource
-- stood at the end of the day and where it is heading. The slope is the least-squares fit of the
-- 5-minute averages (host_resource_usage_5m) over the last capacity_lookback_days days up to the
-- day's end, restarted after the latest release (a fall of more than capacity_<resource>_release_pct
-- points between consecutive windows: a clean-up, a restart) so a sawtooth is fitted on its current tooth.
{%- set lookback_days = var('capacity_lookback_days') %}

with

thresholds as (

    select * from {{ ref('int_cross_thresholds') }}

),

host_windows as (

    select window_start, host, component, avg_disk_pct, avg_mem_pct
    from {{ ref('host_resource_usage_5m') }}
    where {{ ts_in_window('window_start', lookback_days * 1440) }}

),

points as (

    select window_start, host, component, 'disk' as resource, avg_disk_pct as pct
    from host_windows
    union all
    select window_start, host, component, 'memory', avg_mem_pct
    from host_windows

),

marked as (

    select
        points.*,
        coalesce(
            points.pct < lag(points.pct) over (
                partition by points.host, points.resource order by points.window_start
            ) - case points.resource
                    when 'disk' then thresholds.capacity_disk_release_pct
                    else thresholds.capacity_memory_release_pct
                end,
            false
        ) as is_release
    from points
    cross join thresholds
    where points.pct is not null

),

days as (

    select
        cast(window_start as date) as day,
        host,
        resource,
        arg_max(component, window_start) as component,
        max(window_start) + interval 5 minutes as measured_at,
        arg_max(pct, window_start) as current_pct,
        {{ stable("avg(pct)", 4) }} as day_avg_pct,
        max(pct) as day_max_pct
    from marked
    where {{ ts_in_window('window_start') }}
    group by cast(window_start as date), host, resource

),

lookback as (

    -- the points of the lookback ending at each day's end
    select
        days.day,
        days.host,
        days.resource,
        marked.window_start,
        marked.pct,
        marked.is_release
    from days
    inner join marked
        on marked.host = days.host
        and marked.resource = days.resource
        and marked.window_start < cast(days.day as timestamp) + interval 1 day
        and marked.window_start
            >= cast(days.day as timestamp) + interval 1 day - interval {{ lookback_days }} day

),

segments as (

    select
        day,
        host,
        resource,
        coalesce(max(window_start) filter (where is_release), min(window_start)) as fit_start
    from lookback
    group by day, host, resource

),

fits as (

    select
        lookback.day,
        lookback.host,
        lookback.resource,
        min(lookback.window_start) as fit_start,
        count(*) as fit_points,
        regr_slope(lookback.pct, epoch(lookback.window_start)) * 86400 as slope_pct_per_day
    from lookback
    inner join segments
        on lookback.day = segments.day
        and lookback.host = segments.host
        and lookback.resource = segments.resource
        and lookback.window_start >= segments.fit_start
    group by lookback.day, lookback.host, lookback.resource

),

final as (

    select
        days.day,
        days.host,
        days.component,
        days.resource,
        days.measured_at,
        {{ stable("days.current_pct", 4) }} as current_pct,
        days.day_avg_pct,
        {{ stable("days.day_max_pct", 4) }} as day_max_pct,
        fits.fit_start,
        fits.fit_points,
        case
            when fits.fit_points >= thresholds.capacity_min_points
                then {{ stable("fits.slope_pct_per_day", 4) }}
        end as slope_pct_per_day,
        case
            when fits.fit_points >= thresholds.capacity_min_points
                and {{ stable("fits.slope_pct_per_day", 4) }} > 0
                then {{ stable("(100 - days.current_pct) / " ~ stable("fits.slope_pct_per_day", 4), 1) }}
        end as days_until_full
    from days
    inner join fits
        on days.day = fits.day
        and days.host = fits.host
        and days.resource = fits.resource
    cross join thresholds

)

select * from final
