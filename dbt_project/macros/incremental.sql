{% macro daily_partitioned_incremental(partition_column, cluster_by) %}
  {#-
    Config of a large fact: one partition per UTC day of `partition_column` (a DATE), rebuilt whole by window.
    - BigQuery: `insert_overwrite` with static `partitions` (the window's days), so the MERGE touches only those
      partitions of the target; `require_partition_filter` makes any unfiltered read of the model fail.
    - DuckDB: `partition_overwrite` (macro below), the same semantics as a delete+insert of the window's days.
      dbt-duckdb's own delete+insert deletes by key only, so a day whose rows all vanished would keep stale rows.
    - `on_schema_change='append_new_columns'`: adding a column does not need a full refresh.
  -#}
  {%- set config = {
      'materialized': 'incremental',
      'partitions': _window_partition_literals(),
      'on_schema_change': 'append_new_columns',
      'meta': {'partition_column': partition_column},
  } -%}
  {%- if target.type == 'bigquery' -%}
    {%- do config.update({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': {'field': partition_column, 'data_type': 'date', 'granularity': 'day'},
        'cluster_by': cluster_by,
        'require_partition_filter': true,
    }) -%}
  {%- else -%}
    {#- dbt-duckdb reads partition_by as DuckLake's partitioning, so the column travels in meta. -#}
    {%- do config.update({'incremental_strategy': 'partition_overwrite'}) -%}
  {%- endif -%}
  {{ return(config) }}
{% endmacro %}

{% macro _window_partition_literals() %}
  {%- set literals = [] -%}
  {%- for day in window_days() -%}
    {%- do literals.append(date_literal(day) | trim) -%}
  {%- endfor -%}
  {{ return(literals) }}
{% endmacro %}

{% macro get_incremental_partition_overwrite_sql(arg_dict) %}
  {#- Replace exactly the configured day partitions of the target with the new rows (DuckDB twin of BigQuery's
      static insert_overwrite). -#}
  {%- set target = arg_dict['target_relation'] -%}
  {%- set partition_column = config.get('meta')['partition_column'] -%}
  {%- set partitions = config.get('partitions') -%}
  {%- if not partitions -%}
    {{ exceptions.raise_compiler_error("partition_overwrite needs the 'partitions' config (the window's days)") }}
  {%- endif -%}
  {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
  delete from {{ target }} where {{ partition_column }} in ({{ partitions | join(', ') }});
  insert into {{ target }} ({{ dest_cols_csv }})
  select {{ dest_cols_csv }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}
