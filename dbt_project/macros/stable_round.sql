{#
  Floating-point sums depend on the order DuckDB's parallel aggregation adds rows in, so the same
  window rebuilt twice can differ in the last bit. Marts round averages and derived percentages to
  a fixed precision so that a rebuild gives identical rows.
#}
{% macro stable(expr, digits=6) -%}
    round({{ expr }}, {{ digits }})
{%- endmacro %}
