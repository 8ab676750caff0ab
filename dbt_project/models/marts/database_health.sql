-- One row per day, server and database: seed 002 §6's health score (0-100) from four component
-- scores, the indicators behind them, risk factors with severity and recommendations with
-- priority. Every penalty, cap, weight and grade bound is in seeds/db_health_scoring.csv; the
-- formula is documented in the model's yml. Security and backup recency are not collected, so
-- they are not scored (NULL), never guessed.
with

k as (

    select
        {% for name in [
            'perf_slow_ratio_penalty', 'perf_regression_penalty',
            'reliability_deadlock_penalty', 'reliability_deadlock_cap',
            'reliability_rollback_penalty', 'reliability_rollback_cap',
            'reliability_lag_window_penalty', 'reliability_lag_cap',
            'efficiency_good_hit_ratio', 'efficiency_buffer_penalty', 'efficiency_buffer_cap',
            'efficiency_index_penalty', 'efficiency_index_cap',
            'efficiency_waiting_hour_penalty', 'efficiency_waiting_cap',
            'maintenance_bloat_penalty', 'maintenance_bloat_cap',
            'maintenance_hotspot_penalty', 'maintenance_hotspot_cap',
            'weight_performance', 'weight_reliability', 'weight_efficiency',
            'weight_maintenance', 'grade_healthy', 'grade_fair', 'grade_degraded'] %}
        max(threshold_value) filter (where threshold_name = '{{ name }}') as {{ name }}
        {{- "," if not loop.last }}
        {% endfor %}
    from {{ ref('db_health_scoring') }}

),

transactions as (

    select
        cast(hour as date) as day,
        server,
        database_name,
        sum(commits) as commits,
        sum(rollbacks) as rollbacks,
        sum(deadlocks) as deadlocks,
        sum(lock_waits) as lock_waits,
        max(max_transactions_over_60s) as max_transactions_over_60s
    from {{ ref('transaction_analytics') }}
    group by all

),

pools as (

    select
        cast(hour as date) as day,
        server,
        database_name,
        count_if(max_waiting > 0) as hours_with_waiting_clients,
        max(max_pool_utilization) as max_pool_utilization,
        count_if(pool_status = 'undersized') as undersized_hours
    from {{ ref('connection_pool_analytics') }}
    group by all

),

statements as (

    select
        stat_date as day,
        server,
        database_name,
        sum(calls) as calls,
        sum(calls) filter (where is_slow) as slow_calls,
        count_if(is_regression) as regressions,
        list(query order by mean_time_ratio desc) filter (where is_regression) as regressed
    from {{ ref('query_performance') }}
    group by all

),

caches as (

    select
        cast(hour as date) as day,
        server,
        database_name,
        sum(heap_blks_hit) as heap_hit,
        sum(heap_blks_read) as heap_read,
        sum(idx_blks_hit) as idx_hit,
        sum(idx_blks_read) as idx_read,
        -- the worst hour: a 30-minute cache collapse must not vanish in a day's average
        min(buffer_hit_ratio) as worst_hour_hit_ratio
    from {{ ref('cache_effectiveness') }}
    group by all

),

replication as (

    -- server-wide: every database on the primary shares its replicas
    select
        cast(window_start as date) as day,
        server,
        max(max_replay_lag_seconds) as max_replication_lag_seconds,
        count_if(lag_over_threshold or sync_status = 'error') as lag_breach_windows
    from {{ ref('replication_health') }}
    group by all

),

hotspots as (

    select stat_date as day, server, database_name, count(*) as scan_hotspots
    from {{ ref('table_scan_hotspots') }}
    group by all

),

indexes as (

    -- current state over the observation window (index_effectiveness), applied to every day
    select
        server,
        database_name,
        sum(index_size_bytes) as index_bytes,
        sum(index_size_bytes) filter (where index_status = 'unused' or is_duplicate)
            as wasted_index_bytes,
        count_if(index_status = 'unused' or is_duplicate) as droppable_indexes
    from {{ ref('index_effectiveness') }}
    group by all

),

indicators as (

    select
        t.day,
        t.server,
        t.database_name,
        coalesce(s.slow_calls, 0) / nullif(s.calls, 0) as slow_query_ratio,
        coalesce(s.regressions, 0) as regressions,
        s.regressed,
        t.deadlocks,
        t.lock_waits,
        t.rollbacks / nullif(t.commits + t.rollbacks, 0) as rollback_ratio,
        t.max_transactions_over_60s,
        r.max_replication_lag_seconds,
        coalesce(r.lag_breach_windows, 0) as lag_breach_windows,
        c.heap_hit / nullif(c.heap_hit + c.heap_read, 0) as cache_hit_ratio,
        c.idx_hit / nullif(c.idx_hit + c.idx_read, 0) as index_hit_ratio,
        c.worst_hour_hit_ratio,
        coalesce(p.hours_with_waiting_clients, 0) as hours_with_waiting_clients,
        p.max_pool_utilization,
        coalesce(i.wasted_index_bytes, 0) / nullif(i.index_bytes, 0) as index_bloat,
        coalesce(i.droppable_indexes, 0) as droppable_indexes,
        coalesce(h.scan_hotspots, 0) as scan_hotspots
    from transactions t
    left join statements s using (day, server, database_name)
    left join pools p using (day, server, database_name)
    left join caches c using (day, server, database_name)
    left join replication r using (day, server)
    left join hotspots h using (day, server, database_name)
    left join indexes i using (server, database_name)

),

scored as (

    select
        indicators.*,
        greatest(0, 100
            - coalesce(slow_query_ratio, 0) * k.perf_slow_ratio_penalty
            - regressions * k.perf_regression_penalty) as performance_raw,
        greatest(0, 100
            - least(k.reliability_deadlock_cap, deadlocks * k.reliability_deadlock_penalty)
            - least(k.reliability_rollback_cap,
                    coalesce(rollback_ratio, 0) * k.reliability_rollback_penalty)
            - least(k.reliability_lag_cap, lag_breach_windows * k.reliability_lag_window_penalty)
        ) as reliability_raw,
        greatest(0, 100
            - least(k.efficiency_buffer_cap, k.efficiency_buffer_penalty
                    * greatest(0, k.efficiency_good_hit_ratio - coalesce(worst_hour_hit_ratio, 1)))
            - least(k.efficiency_index_cap, k.efficiency_index_penalty
                    * greatest(0, k.efficiency_good_hit_ratio - coalesce(index_hit_ratio, 1)))
            - least(k.efficiency_waiting_cap,
                    hours_with_waiting_clients * k.efficiency_waiting_hour_penalty)
        ) as efficiency_raw,
        greatest(0, 100
            - least(k.maintenance_bloat_cap,
                    coalesce(index_bloat, 0) * k.maintenance_bloat_penalty)
            - least(k.maintenance_hotspot_cap, scan_hotspots * k.maintenance_hotspot_penalty)
        ) as maintenance_raw
    from indicators
    cross join k

),

final as (

    select
        s.day,
        s.server,
        s.database_name,
        round(k.weight_performance * s.performance_raw + k.weight_reliability * s.reliability_raw
              + k.weight_efficiency * s.efficiency_raw + k.weight_maintenance * s.maintenance_raw,
              1) as health_score,
        round(s.performance_raw, 1) as performance_score,
        round(s.reliability_raw, 1) as reliability_score,
        round(s.efficiency_raw, 1) as efficiency_score,
        round(s.maintenance_raw, 1) as maintenance_score,
        {{ stable('s.slow_query_ratio') }} as slow_query_ratio,
        s.regressions,
        s.deadlocks,
        s.lock_waits,
        {{ stable('s.rollback_ratio') }} as rollback_ratio,
        s.max_transactions_over_60s,
        {{ stable('s.cache_hit_ratio') }} as cache_hit_ratio,
        {{ stable('s.index_hit_ratio') }} as index_hit_ratio,
        {{ stable('s.worst_hour_hit_ratio') }} as worst_hour_hit_ratio,
        s.hours_with_waiting_clients,
        s.max_pool_utilization,
        s.max_replication_lag_seconds,
        s.lag_breach_windows,
        {{ stable('s.index_bloat') }} as index_bloat,
        s.droppable_indexes,
        s.scan_hotspots,
        list_filter([
            case when s.deadlocks > 0 then {
                'factor': 'deadlocks', 'severity': case when s.deadlocks >= 3 then 'high' else 'medium' end,
                'impact': s.deadlocks || ' deadlock(s): transactions were aborted and retried',
                'mitigation': 'take row locks in a consistent order; keep transactions short'} end,
            case when coalesce(s.worst_hour_hit_ratio, 1) < k.efficiency_good_hit_ratio then {
                'factor': 'buffer_cache_misses',
                'severity': case when s.worst_hour_hit_ratio < 0.9 then 'high' else 'medium' end,
                'impact': 'buffer hit ratio down to ' || round(100 * s.worst_hour_hit_ratio, 2) || ' % in an hour (< 99 %): reads go to disk',
                'mitigation': 'find the statements reading most blocks; raise shared_buffers if the working set grew'} end,
            case when s.hours_with_waiting_clients > 0 then {
                'factor': 'pool_exhaustion', 'severity': 'high',
                'impact': 'clients waited for a pooled connection in ' || s.hours_with_waiting_clients || ' hour(s)',
                'mitigation': 'raise the pool size (connection_pool_analytics.recommended_pool_size) or cut connection hold time'} end,
            case when s.lag_breach_windows > 0 then {
                'factor': 'replication_lag', 'severity': case when s.max_replication_lag_seconds > 30 then 'critical' else 'high' end,
                'impact': 'a replica lagged up to ' || round(s.max_replication_lag_seconds, 1) || ' s: reads from it are stale, failover would lose data',
                'mitigation': 'check the replica''s I/O and network; look for long queries holding replay back'} end,
            case when s.regressions > 0 then {
                'factor': 'query_regression', 'severity': 'high',
                'impact': s.regressions || ' statement(s) at least twice as slow as the day before',
                'mitigation': 'compare the plans before and after the latest deploy'} end,
            case when coalesce(s.slow_query_ratio, 0) > 0.05 then {
                'factor': 'slow_queries', 'severity': 'medium',
                'impact': round(100 * s.slow_query_ratio, 1) || ' % of calls were slow statements (mean >= 20 ms)',
                'mitigation': 'index or rewrite the slow statements (query_performance.is_slow)'} end,
            case when coalesce(s.index_bloat, 0) > 0 then {
                'factor': 'index_bloat', 'severity': case when s.index_bloat > 0.2 then 'medium' else 'low' end,
                'impact': round(100 * s.index_bloat, 1) || ' % of index bytes are in unused or duplicate indexes: slower writes, wasted cache',
                'mitigation': 'drop them (index_effectiveness.drop_statement)'} end,
            case when s.scan_hotspots > 0 then {
                'factor': 'sequential_scans', 'severity': 'medium',
                'impact': s.scan_hotspots || ' large table(s) mostly read by sequential scans',
                'mitigation': 'add the missing indexes (table_scan_hotspots)'} end
        ], r -> r is not null) as risk_factors,
        list_filter([
            case when s.hours_with_waiting_clients > 0 or s.lag_breach_windows > 0 or s.deadlocks >= 3 then {
                'priority': 'immediate',
                'action': case
                    when s.hours_with_waiting_clients > 0 then 'resize the connection pool'
                    when s.lag_breach_windows > 0 then 'investigate replication lag'
                    else 'fix the lock ordering behind the deadlocks' end,
                'expected_improvement': 'reliability and latency back to normal', 'effort': 'low'} end,
            case when s.regressions > 0 then {
                'priority': 'immediate', 'action': 'roll back or fix the regressed statement(s): ' || array_to_string(s.regressed[1:3], '; '),
                'expected_improvement': 'mean statement time back to the previous day''s', 'effort': 'medium'} end,
            case when coalesce(s.worst_hour_hit_ratio, 1) < k.efficiency_good_hit_ratio then {
                'priority': 'short_term', 'action': 'reduce blocks read by the heaviest statements or grow shared_buffers',
                'expected_improvement': 'buffer hit ratio >= 99 %', 'effort': 'medium'} end,
            case when s.droppable_indexes > 0 then {
                'priority': 'short_term', 'action': 'drop ' || s.droppable_indexes || ' unused or duplicate index(es)',
                'expected_improvement': 'less write amplification and cache pressure', 'effort': 'low'} end,
            case when s.scan_hotspots > 0 then {
                'priority': 'long_term', 'action': 'add indexes for the sequentially scanned tables',
                'expected_improvement': 'fewer blocks read per query', 'effort': 'medium'} end
        ], r -> r is not null) as recommendations,
        cast(null as double) as security_score,
        cast(null as double) as backup_recency_hours
    from scored s
    cross join k

)

select
    final.*,
    case
        when health_score >= (select grade_healthy from k) then 'healthy'
        when health_score >= (select grade_fair from k) then 'fair'
        when health_score >= (select grade_degraded from k) then 'degraded'
        else 'critical'
    end as health_grade
from final
