{#- Data tests of a partitioned run look at that run's partition window only.

    dbt_project.yml sets `where: __partition_window__` on every data test; this override of dbt's
    get_where_subquery turns the placeholder into a predicate on the tested model's window column:

    * an incremental model: the column its delete_partition_window pre-hook replaces (the rows the
      run just rebuilt);
    * a staging view with an event_date column: the lake partitions [min_date, max_date), which
      DuckDB prunes to the files of those days.

    Anything else (a table rebuilt whole, a seed, a source, a model without such a column) and a
    run without a window (a plain `dbt build`: the default vars) is tested whole. So a daily run
    tests one day however long the history is; the history was tested when it was built. A test's
    own `where` replaces the placeholder (dbt's config precedence) and is applied as written. -#}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where and '__partition_window__' in where -%}
        {%- set column = partition_window_column() if window_is_set() else none -%}
        {%- set where = where | replace('__partition_window__', ts_in_window(column) if column else 'true') -%}
    {%- endif -%}
    {%- if not where or where | trim == 'true' -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
{%- endmacro %}

{#- The window column of the model the current data test is attached to (none when it has none). -#}
{% macro partition_window_column() -%}
    {%- if not execute -%}{%- do return(none) -%}{%- endif -%}
    {%- set node = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- if node is none or node.resource_type != 'model' -%}{%- do return(none) -%}{%- endif -%}
    {%- if node.config.materialized == 'incremental' -%}
        {%- for hook in node.config['pre-hook'] -%}
            {%- set found = modules.re.search("delete_partition_window\(\s*'([a-z_]+)'\s*\)", hook.sql) -%}
            {%- if found -%}{%- do return(found.group(1)) -%}{%- endif -%}
        {%- endfor -%}
    {%- elif node.config.materialized == 'view' and 'event_date' in node.columns -%}
        {%- do return('event_date') -%}
    {%- endif -%}
    {%- do return(none) -%}
{%- endmacro %}
