{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('hour') }}"
    )
}}
-- One row per server, database and hour (seed 002 §4): commits, rollbacks and deadlocks from
-- pg_stat_database increases, lock waits from ungranted pg_locks, long-running and
-- idle-in-transaction sessions from pg_stat_activity. Every (server, database, hour) that sent
-- counters, connection snapshots or lock waits in the window has a row.
with

deltas as (

    select
        date_trunc('hour', ts) as hour,
        server,
        database_name,
        is_reset,
        interval_seconds,
        xact_commit,
        xact_rollback,
        deadlocks
    from {{ ref('int_db_database_deltas') }}
    where {{ ts_in_window('ts') }}

),

counters as (

    select
        hour,
        server,
        database_name,
        count(xact_commit) as counter_snapshots,
        count_if(is_reset) as stats_resets,
        sum(xact_commit) as commits,
        sum(xact_rollback) as rollbacks,
        sum(deadlocks) as deadlocks,
        -- seconds the increases cover (DECIMAL: exact whatever the order of the rows)
        cast(sum(cast(interval_seconds as decimal(18, 3))) filter (
            where xact_commit is not null and not is_reset
        ) as double) as measured_seconds,
        sum(xact_commit + xact_rollback) filter (where not is_reset) as measured_transactions
    from deltas
    group by hour, server, database_name

),

activity as (

    select
        date_trunc('hour', ts) as hour,
        server,
        database_name,
        count(*) as activity_snapshots,
        max(longest_transaction_seconds) as longest_transaction_seconds,
        max(transactions_over_60s) as max_transactions_over_60s,
        count_if(transactions_over_60s > 0) as snapshots_with_long_transactions,
        max(idle_in_transaction) as max_idle_in_transaction,
        {{ stable('avg(idle_in_transaction)', 4) }} as avg_idle_in_transaction,
        max(waiting_on_lock) as max_sessions_waiting_on_locks
    from {{ ref('stg_db_connections__snapshots') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}
    group by all

),

locks as (

    select
        date_trunc('hour', ts) as hour,
        server,
        database_name,
        -- a wait seen in several snapshots is one wait: (pid, waitstart) identifies it
        count(distinct concat_ws('|', pid, coalesce(cast(waitstart as varchar), ''))) as lock_waits,
        count(*) as lock_wait_observations,
        max(wait_seconds) as max_lock_wait_seconds,
        count(distinct blocking_pid) as blocking_sessions
    from {{ ref('stg_db_locks__waits') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}
    group by all

),

keys as (

    select hour, server, database_name from counters
    union
    select hour, server, database_name from activity
    union
    select hour, server, database_name from locks

),

final as (

    select
        keys.hour,
        keys.server,
        keys.database_name,
        coalesce(counters.counter_snapshots, 0) as counter_snapshots,
        coalesce(activity.activity_snapshots, 0) as activity_snapshots,
        coalesce(counters.stats_resets, 0) as stats_resets,
        counters.commits,
        counters.rollbacks,
        {{ stable('cast(counters.rollbacks as double) / nullif(counters.commits + counters.rollbacks, 0)') }}
            as rollback_ratio,
        {{ stable('counters.measured_transactions / nullif(counters.measured_seconds, 0)', 3) }}
            as transactions_per_second,
        counters.deadlocks,
        coalesce(locks.lock_waits, 0) as lock_waits,
        coalesce(locks.lock_wait_observations, 0) as lock_wait_observations,
        locks.max_lock_wait_seconds,
        coalesce(locks.blocking_sessions, 0) as blocking_sessions,
        activity.max_sessions_waiting_on_locks,
        activity.longest_transaction_seconds,
        activity.max_transactions_over_60s,
        activity.snapshots_with_long_transactions,
        activity.max_idle_in_transaction,
        activity.avg_idle_in_transaction
    from keys
    left join counters
        on keys.hour = counters.hour
        and keys.server = counters.server
        and keys.database_name = counters.database_name
    left join activity
        on keys.hour = activity.hour
        and keys.server = activity.server
        and keys.database_name = activity.database_name
    left join locks
        on keys.hour = locks.hour
        and keys.server = locks.server
        and keys.database_name = locks.database_name

)

select * from final
