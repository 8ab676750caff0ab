{#
  The per-window request aggregates shared by api_performance_5m and api_performance_hourly
  (one definition, so the 5-minute and hourly marts can never disagree on what a metric means).
#}
{% macro request_aggregates() -%}
        count(*) as requests,
        count_if(is_client_error) as client_errors,
        count_if(is_server_error) as server_errors,
        count_if(status >= 400) as error_count,
        {{ stable("avg(latency_ms)") }} as avg_latency_ms,
        quantile_cont(latency_ms, 0.50) as p50_latency_ms,
        quantile_cont(latency_ms, 0.95) as p95_latency_ms,
        quantile_cont(latency_ms, 0.99) as p99_latency_ms,
        max(latency_ms) as max_latency_ms
{%- endmacro %}
