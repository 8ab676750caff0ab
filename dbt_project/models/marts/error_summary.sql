{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_partition_window('event_date') }}"
    )
}}
-- One row per day (UTC day of ts), component, level and error code.
with

log_events as (

    select
        cast(ts as date) as event_date,
        ts,
        component,
        level,
        error_code,
        host,
        message
    from {{ ref('stg_error_logs__events') }}
    where {{ event_date_covers_window() }}
      and {{ ts_in_window('ts') }}

),

grouped as (

    select
        event_date,
        component,
        level,
        error_code,
        count(*) as error_count,
        min(ts) as first_seen,
        max(ts) as last_seen,
        count(distinct host) as hosts
    from log_events
    group by event_date, component, level, error_code

),

messages as (

    select
        event_date,
        component,
        level,
        error_code,
        message,
        max(ts) as last_logged_at
    from log_events
    where message is not null
    group by event_date, component, level, error_code, message

),

ranked_messages as (

    select
        *,
        row_number() over (
            partition by event_date, component, level, error_code
            order by last_logged_at desc, message
        ) as recency
    from messages

),

recent_messages as (

    select
        event_date,
        component,
        level,
        error_code,
        string_agg(message, ' | ' order by recency) as recent_messages
    from ranked_messages
    where recency <= 3
    group by event_date, component, level, error_code

),

final as (

    select
        grouped.event_date,
        grouped.component,
        grouped.level,
        grouped.error_code,
        grouped.error_count,
        grouped.first_seen,
        grouped.last_seen,
        grouped.hosts,
        recent_messages.recent_messages
    from grouped
    left join recent_messages
        on grouped.event_date = recent_messages.event_date
        and grouped.component is not distinct from recent_messages.component
        and grouped.level is not distinct from recent_messages.level
        and grouped.error_code is not distinct from recent_messages.error_code

)

select
    final.*,
    {{ data_ok('error_logs', "cast(final.event_date as timestamp)", "cast(final.event_date as timestamp) + interval '1 day'") }} as data_ok
from final
