-- One row per host (and its component) that ever sent metrics: seed 000's "missing system
-- metrics" check. Built in event time, so a rebuild gives the same rows: "now" is as_of, the
-- newest scrape of any host; a host is stale when its last scrape is more than
-- stale_after_minutes older than that. History of silences: collection_gaps.
with

thresholds as (

    select * from {{ ref('int_cross_thresholds') }}

),

scrapes as (

    select ts, host, component from {{ ref('int_host_resources') }}

),

reference as (

    select max(ts) as as_of from scrapes

),

per_host as (

    select
        scrapes.host,
        arg_max(scrapes.component, scrapes.ts) as component,
        min(scrapes.ts) as first_sample_at,
        max(scrapes.ts) as last_sample_at,
        count(*) filter (
            where scrapes.ts > reference.as_of - interval 1 hour
        ) as samples_last_hour
    from scrapes
    cross join reference
    group by scrapes.host

),

gaps as (

    select
        host,
        count(*) as gaps,
        cast(sum(missed_scrapes) as bigint) as missed_scrapes,
        max(gap_minutes) as longest_gap_minutes,
        max(gap_start) as last_gap_start,
        max(gap_end) as last_gap_end
    from {{ ref('collection_gaps') }}
    group by host

),

final as (

    select
        per_host.host,
        per_host.component,
        per_host.first_sample_at,
        per_host.last_sample_at,
        reference.as_of,
        {{ stable("date_diff('millisecond', per_host.last_sample_at, reference.as_of) / 60000.0", 3) }}
            as minutes_since_last_sample,
        cast(thresholds.scrape_interval_seconds as integer) as expected_interval_s,
        per_host.samples_last_hour,
        cast(3600 / thresholds.scrape_interval_seconds as bigint) as expected_samples_last_hour,
        {{ stable("per_host.samples_last_hour / (3600 / thresholds.scrape_interval_seconds)", 4) }}
            as collection_rate_last_hour,
        date_diff('millisecond', per_host.last_sample_at, reference.as_of)
            > 60000 * thresholds.stale_after_minutes as is_stale,
        coalesce(gaps.gaps, 0) as gaps,
        coalesce(gaps.missed_scrapes, 0) as missed_scrapes,
        gaps.longest_gap_minutes,
        gaps.last_gap_start,
        gaps.last_gap_end
    from per_host
    cross join reference
    cross join thresholds
    left join gaps
        on per_host.host = gaps.host

)

select * from final
