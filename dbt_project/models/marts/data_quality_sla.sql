-- One row per raw source and day (partition): how its data-quality SLAs went, from the latest
-- evaluation of the partition (expectations/sla.yml; orchestration/quality/sla.py), and how its
-- raw GX suite went (expectations/raw_<source>.json; the latest validation of the day).
with

results as (

    select * from {{ ref('stg_quality__sla_results') }}

),

per_day as (

    select
        source,
        event_date,
        count(*) as evaluations,
        count_if(passed) as passed,
        count_if(not passed) as failed,
        count_if(not passed and severity = 'error') as failed_errors,
        count_if(check_name = 'freshness') as freshness_evaluations,
        count_if(check_name = 'freshness' and not passed) as freshness_failures,
        count_if(check_name = 'completeness') as completeness_windows,
        count_if(check_name = 'completeness' and passed) as complete_windows,
        -- collection rate: units received over units expected, all hosts and windows of the day
        {{ stable("avg(observed) filter (where check_name = 'completeness')") }}
            as collection_rate,
        count_if(check_name = 'volume' and observed is not null) as volume_hours_judged,
        count_if(check_name = 'volume' and not passed) as volume_anomalies,
        max(observed) filter (where check_name = 'reject_rate') as reject_rate,
        max(evaluated_at) as evaluated_at
    from results
    group by source, event_date

),

gx as (

    select
        dataset as source,
        event_date,
        count(*) as gx_expectations,
        count_if(not passed) as gx_failed,
        string_agg(expectation, ', ' order by expectation) filter (where not passed)
            as gx_failed_expectations
    from {{ ref('stg_quality__gx_results') }}
    where layer = 'raw'
    group by all

),

windows as (

    -- 5-minute windows of the day with any failed SLA of the source (any host)
    select source, cast(window_start as date) as event_date, count(distinct window_start) as bad
    from {{ ref('int_sla_window_failures') }}
    group by all

)

select
    per_day.source,
    per_day.event_date,
    per_day.evaluations,
    per_day.passed,
    per_day.failed,
    {{ stable("per_day.passed / per_day.evaluations") }} as pass_rate,
    -- SLA attainment: share of the day's 288 five-minute windows with no failed SLA
    {{ stable("1 - coalesce(windows.bad, 0) / 288.0") }} as sla_attainment,
    per_day.freshness_failures,
    per_day.completeness_windows,
    case when per_day.completeness_windows > 0
        then {{ stable("per_day.complete_windows / per_day.completeness_windows") }}
    end as completeness_attainment,
    per_day.collection_rate,
    per_day.volume_hours_judged,
    per_day.volume_anomalies,
    per_day.reject_rate,
    case
        when per_day.failed_errors > 0 then 'ERROR'
        when per_day.failed > 0 then 'WARN'
        else 'OK'
    end as sla_status,
    coalesce(gx.gx_expectations, 0) as gx_expectations,
    coalesce(gx.gx_failed, 0) as gx_failed,
    case when gx.gx_expectations > 0
        then {{ stable("(gx.gx_expectations - gx.gx_failed) / gx.gx_expectations") }}
    end as gx_pass_rate,
    gx.gx_failed_expectations,
    -- raw suites block: a failed expectation kept the partition out of the marts
    case
        when gx.gx_expectations is null then null
        when gx.gx_failed > 0 then 'ERROR'
        else 'OK'
    end as gx_status,
    per_day.evaluated_at
from per_day
left join windows
    on windows.source = per_day.source and windows.event_date = per_day.event_date
left join gx
    on gx.source = per_day.source and gx.event_date = per_day.event_date
