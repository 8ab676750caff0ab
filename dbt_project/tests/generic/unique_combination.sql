{#- The grain test: no two rows share the same values of combination_of_columns (NULLs compare
    equal, as in GROUP BY). dbt_utils.unique_combination_of_columns without the package hub. -#}
{% test unique_combination(model, combination_of_columns) %}

with grouped as (

    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as n_rows
    from {{ model }}
    group by all

)

select *
from grouped
where n_rows > 1

{% endtest %}
