{#- data_ok of a mart row covering [start_column, end_column) for `source_name`:
    NULL  when the source's day was never evaluated against its SLAs (unknown),
    false when a failed SLA result covers a 5-minute window overlapping the row's span for one of the
          hosts in `hosts_sql` (a SQL list; 'null' means any host) or for the whole source,
    true  otherwise. -#}
{% macro data_ok(source_name, start_column, end_column, hosts_sql='null') -%}
    case
        when not exists (
            select 1 from {{ ref('int_sla_evaluated_days') }} as ev
            where ev.source = '{{ source_name }}'
              and ev.event_date = cast({{ start_column }} as date)
        ) then null
        when exists (
            select 1 from {{ ref('int_sla_window_failures') }} as f
            where f.source = '{{ source_name }}'
              and f.window_start < {{ end_column }}
              and f.window_start + interval '5 minutes' > {{ start_column }}
              and (f.subject = '*' or ({{ hosts_sql }}) is null
                   or list_contains({{ hosts_sql }}, f.subject))
        ) then false
        else true
    end
{%- endmacro %}

{#- Combine per-source data_ok flags: false if any is false, NULL if any is unknown, else true. -#}
{% macro all_ok(flags) -%}
    case
        {% for f in flags %}when ({{ f }}) = false then false
        {% endfor %}{% for f in flags %}when ({{ f }}) is null then null
        {% endfor %}else true
    end
{%- endmacro %}
