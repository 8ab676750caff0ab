{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('window_start') }}"
    )
}}
-- One row per server (primary), replica and 5-minute window [window_start, window_end) from
-- pg_stat_replication snapshots (seed 002 §1.1 replication_metrics, §7): replay / write / flush
-- lag, the replay lag in bytes of WAL, and sync_status. Threshold from seed
-- db_activity_thresholds (replication_lag_seconds).
with

thresholds as (

    select
        max(threshold_value) filter (where threshold_name = 'replication_lag_seconds')
            as lag_seconds
    from {{ ref('db_activity_thresholds') }}

),

snapshots as (

    select
        time_bucket(interval '5 minutes', ts) as window_start,
        ts,
        server,
        replica,
        client_addr,
        state,
        sync_state,
        replay_lsn,
        replay_lag_bytes,
        write_lag_seconds,
        flush_lag_seconds,
        replay_lag_seconds
    from {{ ref('stg_db_replication__snapshots') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}

),

windows as (

    select
        window_start,
        server,
        replica,
        count(*) as snapshots,
        count_if(state <> 'streaming') as not_streaming_snapshots,
        arg_max(client_addr, ts) as client_addr,
        arg_max(state, ts) as last_state,
        arg_max(sync_state, ts) as sync_state,
        arg_max(replay_lsn, ts) as last_replay_lsn,
        {{ stable('avg(replay_lag_seconds)') }} as avg_replay_lag_seconds,
        max(replay_lag_seconds) as max_replay_lag_seconds,
        max(write_lag_seconds) as max_write_lag_seconds,
        max(flush_lag_seconds) as max_flush_lag_seconds,
        max(replay_lag_bytes) as max_replay_lag_bytes
    from snapshots
    group by window_start, server, replica

),

final as (

    select
        windows.window_start,
        windows.window_start + interval '5 minutes' as window_end,
        windows.server,
        windows.replica,
        windows.client_addr,
        windows.snapshots,
        windows.not_streaming_snapshots,
        windows.last_state,
        windows.sync_state,
        windows.last_replay_lsn,
        windows.avg_replay_lag_seconds,
        windows.max_replay_lag_seconds,
        windows.max_write_lag_seconds,
        windows.max_flush_lag_seconds,
        windows.max_replay_lag_bytes,
        coalesce(windows.max_replay_lag_seconds > thresholds.lag_seconds, false)
            as lag_over_threshold,
        -- first match wins
        case
            when windows.not_streaming_snapshots > 0 then 'error'
            when windows.max_replay_lag_seconds > thresholds.lag_seconds then 'lagging'
            else 'in_sync'
        end as sync_status
    from windows
    cross join thresholds

)

select * from final
