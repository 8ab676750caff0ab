-- One row per (source, subject, 5-minute window) that a failed SLA result covers: the data
-- behind that window is known to be incomplete, stale or invalid. subject is a host, or '*'
-- when the failure concerns the whole source (a window's validity, the day's reject rate).
-- (counter_rate: a host's implausible counters, e.g. "CPU 250 %", in its window.)
-- Only failures that mean missing or bad data count: a volume anomaly is a signal (an outage
-- changes traffic), and a warn-level reject rate is a handful of lines in a whole day — neither
-- may hide a window from the alert rules. Both stay visible in data_quality_sla.
with

failed as (

    select * from {{ ref('stg_quality__sla_results') }}
    where not passed
      and (
          check_name in ('completeness', 'freshness', 'validity', 'counter_rate')
          or (check_name = 'reject_rate' and severity = 'error')
      )

),

spans as (

    select
        source,
        case when check_name in ('validity', 'reject_rate') then '*' else subject end as subject,
        check_name,
        -- freshness: from the newest event to the reference time, i.e. the silent stretch
        time_bucket(interval '5 minutes', window_start) as first_window,
        window_end as span_end,
        detail
    from failed
    where window_start is not null and window_end is not null

),

windows as (

    select
        spans.source,
        spans.subject,
        spans.check_name,
        w.window_start,
        spans.detail
    from spans,
        lateral (
            select unnest(generate_series(
                spans.first_window,
                spans.span_end - interval '1 microsecond',
                interval '5 minutes'
            )) as window_start
        ) as w

)

select
    source,
    subject,
    window_start,
    string_agg(distinct check_name, ',' order by check_name) as failed_checks,
    min(detail) as example_detail
from windows
group by source, subject, window_start
