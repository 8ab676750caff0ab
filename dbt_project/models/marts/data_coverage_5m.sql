-- One row per source, host and 5-minute window judged by a completeness SLA: what arrived
-- against what the source's cadence promises (seed 000's "data collection rate"), and whether
-- the window's data can be trusted. A silent collector shows here as coverage 0, never as a
-- missing row.
with

completeness as (

    select
        source,
        subject as host,
        window_start,
        window_end,
        observed as coverage_ratio,
        threshold as min_ratio,
        passed,
        detail,
        evaluated_at
    from {{ ref('stg_quality__sla_results') }}
    where check_name = 'completeness'

),

failures as (

    select * from {{ ref('int_sla_window_failures') }}

)

select
    completeness.source,
    completeness.host,
    completeness.window_start,
    completeness.window_end,
    completeness.coverage_ratio,
    completeness.min_ratio,
    completeness.detail,
    -- any failed SLA on the window (completeness, freshness, volume, reject rate) makes it not ok
    completeness.passed and not exists (
        select 1 from failures
        where failures.source = completeness.source
          and failures.window_start = completeness.window_start
          and failures.subject in (completeness.host, '*')
    ) as data_ok,
    (
        select string_agg(failures.failed_checks, ',')
        from failures
        where failures.source = completeness.source
          and failures.window_start = completeness.window_start
          and failures.subject in (completeness.host, '*')
    ) as failed_checks,
    completeness.evaluated_at
from completeness
