-- Every threshold the database-activity marts look up exists in the seed (a missing one would
-- silently make its status branch never match).
with

required as (

    select threshold_name
    from (
        values
            ('pool_undersized_avg_waiting'),
            ('pool_oversized_utilization'),
            ('pool_oversized_avg_idle'),
            ('pool_high_utilization'),
            ('pool_grow_factor'),
            ('pool_shrink_factor'),
            ('pool_connection_errors'),
            ('replication_lag_seconds')
    ) as t (threshold_name)

)

select required.threshold_name
from required
left join {{ ref('db_activity_thresholds') }} as thresholds
    on required.threshold_name = thresholds.threshold_name
where thresholds.threshold_name is null
