{% macro normalize_email(column) -%}
  {#- The identity match key: emails arrive mixed-case and padded with spaces; empty means unknown. -#}
  nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{% macro latest_per_key(relation, key_columns, order_by) -%}
  {#- Rows of `relation` keeping, per key, the first by `order_by` (e.g. 'updated_at desc'). `where true` lets
      QUALIFY stand alone on every BigQuery edition. -#}
  select * from {{ relation }}
  where true
  qualify row_number() over (partition by {{ key_columns | join(', ') }} order by {{ order_by }}) = 1
{%- endmacro %}

{% macro source_enabled(source_name) -%}
  {#- Whether raw dataset `source_name` (mysql, mongodb, hubspot, salesforce) is present; var enabled_sources. -#}
  {{ return(source_name in var('enabled_sources')) }}
{%- endmacro %}
