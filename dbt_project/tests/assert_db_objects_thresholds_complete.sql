-- Every threshold the database-objects marts look up exists in db_objects_thresholds (a missing
-- one would silently make its flag or status branch never match).
with

required as (

    select threshold_name
    from (
        values
            ('slow_query_mean_ms'),
            ('slow_query_min_calls'),
            ('regression_mean_ratio'),
            ('regression_min_calls'),
            ('index_observation_days'),
            ('unused_index_min_bytes'),
            ('rarely_used_scans_per_second'),
            ('oversized_size_ratio'),
            ('oversized_scans_per_second'),
            ('low_selectivity'),
            ('consider_drop_size_ratio'),
            ('hotspot_min_live_rows'),
            ('hotspot_max_index_usage'),
            ('buffer_cache_good_hit_ratio'),
            ('query_cache_fair_hit_ratio'),
            ('query_cache_good_hit_ratio'),
            ('query_cache_excellent_hit_ratio'),
            ('query_cache_too_small_eviction_ratio'),
            ('query_cache_review_hit_ratio'),
            ('query_cache_oversized_memory_ratio')
    ) as t (threshold_name)

)

select required.threshold_name
from required
left join {{ ref('db_objects_thresholds') }} as thresholds
    on required.threshold_name = thresholds.threshold_name
where thresholds.threshold_name is null
