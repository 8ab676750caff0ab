{#- The reset-safe increase of cumulative counters between consecutive snapshots of one object.

    counter_pairs(from_cte, partition_by, counters, reset_column, reset_when) renders two CTEs:
      paired   every row of from_cte with previous_ts, previous_<reset_column> and
               previous_<counter> of the object's previous snapshot (partition_by, ordered by ts);
      flagged  plus is_counter_reset: a previous snapshot exists and reset_when holds (e.g. the
               stats_reset time changed) or any counter went down.
    counter_delta_columns(counters) then selects, per counter, NULL without a previous snapshot,
    the new value after a reset (the counter restarted from 0), else the difference: never
    negative. -#}
{% macro counter_pairs(from_cte, partition_by, counters, reset_column, reset_when) -%}
paired as (

    select
        *,
        lag(ts) over w as previous_ts,
        lag({{ reset_column }}) over w as previous_{{ reset_column }},
        {%- for c in counters %}
        lag({{ c }}) over w as previous_{{ c }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ from_cte }}
    window w as (partition by {{ partition_by | join(', ') }} order by ts)

),

flagged as (

    select
        *,
        previous_ts is not null and (
            {{ reset_when }}
            {%- for c in counters %}
            or coalesce({{ c }} < previous_{{ c }}, false)
            {%- endfor %}
        ) as is_counter_reset
    from paired

)
{%- endmacro %}

{% macro counter_delta_columns(counters) -%}
    {%- for c in counters %}
        case
            when previous_ts is null then null
            when is_counter_reset then {{ c }}
            else {{ c }} - previous_{{ c }}
        end as {{ c }},
    {%- endfor %}
{%- endmacro %}
