-- One row per incident: a cluster of anomalous signals (int_cross_signals) in which each signal
-- starts at most incident_correlation_minutes after the end of the signals before it (seed 004:
-- correlate within 5 minutes). A cluster is an incident when it holds two or more signal kinds,
-- or lasts at least incident_min_minutes. Rebuilt whole on every run (clusters cross windows).
with

thresholds as (

    select * from {{ ref('int_cross_thresholds') }}

),

signals as (

    select
        *,
        -- causal depth for ties: a host's resources, then a component's own log, then the
        -- symptoms seen at the gateway
        case signal_kind
            when 'cpu_saturation' then 1
            when 'memory_exhaustion' then 1
            when 'error_burst' then 2
            else 3
        end as depth
    from {{ ref('int_cross_signals') }}

),

ordered as (

    select
        signals.*,
        max(signals.signal_end) over (
            order by signals.minute_start, signals.depth, signals.signal_kind,
                signals.component, signals.host, signals.endpoint, signals.method
            rows between unbounded preceding and 1 preceding
        ) as previous_end
    from signals

),

flagged as (

    select
        ordered.*,
        case
            when ordered.previous_end is null then 1
            when ordered.minute_start
                > ordered.previous_end
                    + to_minutes(cast(thresholds.incident_correlation_minutes as bigint))
                then 1
            else 0
        end as starts_cluster
    from ordered
    cross join thresholds

),

clustered as (

    select
        *,
        sum(starts_cluster) over (
            order by minute_start, depth, signal_kind, component, host, endpoint, method
            rows between unbounded preceding and current row
        ) as cluster
    from flagged

),

clusters as (

    select
        cluster,
        min(minute_start) as started_at,
        max(signal_end) as ended_at,
        list(distinct signal_kind order by signal_kind) as signal_kinds,
        list(distinct component order by component) as components,
        list(distinct endpoint_label order by endpoint_label)
            filter (where endpoint_label is not null) as endpoints,
        list(distinct host order by host) filter (where host is not null) as hosts,
        first(component order by minute_start, depth, signal_kind, component, host, endpoint, method)
            as probable_origin,
        first(host order by minute_start, depth, signal_kind, component, host, endpoint, method)
            as probable_origin_host,
        first(signal_kind order by minute_start, depth, signal_kind, component, host, endpoint, method)
            as origin_signal,
        count(*) as signal_minutes,
        max(value) filter (where signal_kind = 'error_burst') as peak_errors_per_minute,
        max(value) filter (where signal_kind = 'endpoint_5xx') as peak_error_rate,
        max(value) filter (where signal_kind = 'cpu_saturation') as peak_cpu_pct,
        max(value) filter (where signal_kind = 'memory_exhaustion') as peak_mem_pct
    from (
        select *, method || ' ' || endpoint as endpoint_label from clustered
    )
    group by cluster

),

qualified as (

    select clusters.*
    from clusters
    cross join thresholds
    where len(clusters.signal_kinds) >= 2
       or clusters.ended_at - clusters.started_at
           >= to_minutes(cast(thresholds.incident_min_minutes as bigint))

),

log_errors as (

    select
        qualified.cluster,
        cast(sum(errors.error_count) as bigint) as errors,
        cast(coalesce(sum(errors.error_count) filter (where errors.level = 'CRITICAL'), 0) as bigint)
            as critical_errors
    from qualified
    inner join {{ ref('error_counts_1m') }} as errors
        on errors.minute_start >= qualified.started_at
        and errors.minute_start < qualified.ended_at
        and errors.level in ('ERROR', 'CRITICAL')
    group by qualified.cluster

),

alerts as (

    -- alerts active within incident_correlation_minutes of the incident
    select
        qualified.cluster,
        count(*) as alert_count,
        list(
            activations.rule || ': ' || activations.summary
            order by activations.active_since, activations.rule, activations.fingerprint
        ) as alerts
    from qualified
    cross join thresholds
    inner join {{ ref('int_cross_alert_activations') }} as activations
        on activations.active_since
            <= qualified.ended_at
                + to_minutes(cast(thresholds.incident_correlation_minutes as bigint))
        and (
            activations.resolved_at is null
            or activations.resolved_at
                >= qualified.started_at
                    - to_minutes(cast(thresholds.incident_correlation_minutes as bigint))
        )
    group by qualified.cluster

),

final as (

    select
        'INC-' || strftime(qualified.started_at, '%Y%m%d-%H%M') as incident_id,
        qualified.started_at,
        qualified.ended_at,
        cast(date_diff('second', qualified.started_at, qualified.ended_at) / 60 as bigint)
            as duration_minutes,
        qualified.probable_origin,
        qualified.probable_origin_host,
        qualified.origin_signal,
        qualified.components,
        len(qualified.components) as affected_components,
        coalesce(qualified.endpoints, []) as endpoints,
        len(coalesce(qualified.endpoints, [])) as affected_endpoints,
        coalesce(qualified.hosts, []) as hosts,
        qualified.signal_kinds,
        qualified.signal_minutes,
        coalesce(log_errors.errors, 0) as errors,
        coalesce(log_errors.critical_errors, 0) as critical_errors,
        qualified.peak_errors_per_minute,
        qualified.peak_error_rate,
        qualified.peak_cpu_pct,
        qualified.peak_mem_pct,
        coalesce(alerts.alert_count, 0) as alert_count,
        coalesce(alerts.alerts, []) as alerts
    from qualified
    left join log_errors
        on qualified.cluster = log_errors.cluster
    left join alerts
        on qualified.cluster = alerts.cluster

)

select * from final
