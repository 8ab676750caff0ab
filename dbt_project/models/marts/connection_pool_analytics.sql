{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('hour') }}"
    )
}}
-- One row per server, database and hour (seed 002 §3 "Connection Pool Monitoring", at an hourly
-- grain): backends against max_connections, the pgbouncer pool's use (sv_active / pool_size),
-- waiting clients, connection errors, and the seed's pool_status, recommended_pool_size and
-- recommendation. Thresholds from seed db_activity_thresholds.
with

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'pool_undersized_avg_waiting')
            as undersized_avg_waiting,
        max(threshold_value) filter (where threshold_name = 'pool_oversized_utilization')
            as oversized_utilization,
        max(threshold_value) filter (where threshold_name = 'pool_oversized_avg_idle')
            as oversized_avg_idle,
        max(threshold_value) filter (where threshold_name = 'pool_high_utilization')
            as high_utilization,
        max(threshold_value) filter (where threshold_name = 'pool_grow_factor')
            as grow_factor,
        max(threshold_value) filter (where threshold_name = 'pool_shrink_factor')
            as shrink_factor,
        max(threshold_value) filter (where threshold_name = 'pool_connection_errors')
            as connection_errors
    from {{ ref('db_activity_thresholds') }}

),

snapshots as (

    select
        date_trunc('hour', ts) as hour,
        server,
        database_name,
        backends,
        max_connections,
        pool_mode,
        pool_size,
        sv_active,
        sv_idle,
        cl_waiting,
        maxwait_seconds
    from {{ ref('stg_db_connections__snapshots') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}

),

pool as (

    select
        hour,
        server,
        database_name,
        count(*) as snapshots,
        max(max_connections) as max_connections,
        max(pool_mode) as pool_mode,
        max(pool_size) as pool_size,
        {{ stable('avg(backends)', 4) }} as avg_backends,
        max(backends) as max_backends,
        {{ stable('avg(cast(backends as double) / nullif(max_connections, 0))') }}
            as connection_utilization,
        {{ stable('max(cast(backends as double) / nullif(max_connections, 0))') }}
            as max_connection_utilization,
        {{ stable('avg(sv_active)', 4) }} as avg_active,
        max(sv_active) as max_active,
        {{ stable('avg(sv_idle)', 4) }} as avg_idle,
        {{ stable('avg(cl_waiting)', 4) }} as avg_waiting,
        max(cl_waiting) as max_waiting,
        {{ stable('max(maxwait_seconds)') }} as max_wait_seconds,
        {{ stable('avg(cast(sv_active as double) / nullif(pool_size, 0))') }} as pool_utilization,
        {{ stable('max(cast(sv_active as double) / nullif(pool_size, 0))') }}
            as max_pool_utilization
    from snapshots
    group by hour, server, database_name

),

errors as (

    select
        date_trunc('hour', ts) as hour,
        server,
        database_name,
        sum(sessions_abandoned + sessions_fatal + sessions_killed) as connection_errors
    from {{ ref('int_db_database_deltas') }}
    where {{ ts_in_window('ts') }}
    group by all

),

rated as (

    select
        pool.*,
        coalesce(errors.connection_errors, 0) as connection_errors,
        -- first match wins (seed 002 §3)
        case
            when pool.avg_waiting > thresholds.undersized_avg_waiting then 'undersized'
            when pool.pool_utilization < thresholds.oversized_utilization
                and pool.avg_idle > thresholds.oversized_avg_idle then 'oversized'
            when pool.pool_utilization > thresholds.high_utilization then 'high_utilization'
            else 'optimal'
        end as pool_status,
        case
            when pool.avg_waiting > thresholds.undersized_avg_waiting
                then cast(ceil(round(pool.max_active * thresholds.grow_factor, 6)) as integer)
            when pool.pool_utilization < thresholds.oversized_utilization
                then cast(ceil(round(pool.max_active * thresholds.shrink_factor, 6)) as integer)
            else pool.max_active
        end as recommended_pool_size,
        coalesce(errors.connection_errors, 0) > thresholds.connection_errors as has_connection_issues
    from pool
    cross join thresholds
    left join errors
        on pool.hour = errors.hour
        and pool.server = errors.server
        and pool.database_name = errors.database_name

),

final as (

    select
        hour,
        server,
        database_name,
        snapshots,
        max_connections,
        avg_backends,
        max_backends,
        connection_utilization,
        max_connection_utilization,
        pool_mode,
        pool_size,
        avg_active,
        max_active,
        avg_idle,
        avg_waiting,
        max_waiting,
        max_wait_seconds,
        pool_utilization,
        max_pool_utilization,
        connection_errors,
        pool_status,
        recommended_pool_size,
        case
            when has_connection_issues then 'connection_issues'
            when pool_status = 'undersized' then 'increase_pool_size'
            when pool_status = 'oversized' then 'decrease_pool_size'
            else 'no_action_needed'
        end as recommendation,
        case
            when has_connection_issues then printf(
                '%d connection errors (sessions abandoned, fatal or killed): check clients and the network before resizing the pool',
                connection_errors
            )
            when pool_status = 'undersized' then printf(
                'clients waited for a server connection (%.1f on average, up to %d, oldest %.1f s): raise pool_size from %d to %d',
                avg_waiting, max_waiting, max_wait_seconds, pool_size, recommended_pool_size
            )
            when pool_status = 'oversized' then printf(
                'pool mostly idle (%.0f %% used, %.1f idle server connections on average): lower pool_size from %d to %d',
                100 * pool_utilization, avg_idle, pool_size, recommended_pool_size
            )
            when pool_status = 'high_utilization' then printf(
                'pool %.0f %% used on average (up to %d of %d server connections): no client waited yet; watch it',
                100 * pool_utilization, max_active, pool_size
            )
            else printf(
                'pool_size %d fits the load (%.0f %% used on average, up to %d server connections)',
                pool_size, 100 * pool_utilization, max_active
            )
        end as recommendation_text
    from rated

)

select * from final
