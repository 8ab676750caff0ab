-- One row per alert activation (rule, series fingerprint, starts_at) that fired: its firing
-- transition and, once recorded, its resolution. resolved_at is NULL while it still fires.
with

history as (

    select * from {{ ref('stg_alerts__history') }}

),

fired as (

    select * from history where status = 'firing'

),

resolved as (

    select * from history where status = 'resolved'

),

final as (

    select
        fired.history_id,
        fired.rule,
        fired.severity,
        fired.fingerprint,
        fired.labels,
        json_extract_string(fired.labels, '$.component') as component,
        json_extract_string(fired.labels, '$.host') as host,
        json_extract_string(fired.labels, '$.endpoint') as endpoint,
        json_extract_string(fired.labels, '$.method') as method,
        fired.value,
        fired.threshold,
        fired.summary,
        fired.starts_at as active_since,
        fired.recorded_at as fired_at,
        resolved.ends_at as resolved_at,
        resolved.recorded_at as resolution_recorded_at,
        fired.exported_at
    from fired
    left join resolved
        on fired.rule = resolved.rule
        and fired.fingerprint = resolved.fingerprint
        and fired.starts_at = resolved.starts_at

)

select * from final
