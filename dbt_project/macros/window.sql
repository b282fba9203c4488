{#
  One window for every incremental model, half-open UTC [since, until), from the vars the DAG passes:
    dbt build --vars '{since: 2024-03-01T00:00:00+00:00, until: 2024-03-02T00:00:00+00:00}'
  The window is widened to whole UTC days: a model's partition is a day, and rebuilding a day from part of its
  rows would drop the rest.
  Without vars, an incremental run rebuilds the last `lookback_days` days plus today (the only place that reads
  the clock). `--full-refresh`, or a first build without a window, scans everything.
#}

{% macro _parse_window_var(name) %}
  {%- set value = var(name, none) -%}
  {%- set utc = modules.pytz.utc -%}
  {%- if value is none or value == '' -%}
    {{ return(none) }}
  {%- elif value is string -%}
    {%- set iso = '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$' -%}
    {%- if not modules.re.match(iso, value) -%}
      {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be an ISO 8601 date or datetime, got '" ~ value ~ "'") }}
    {%- endif -%}
    {%- set value = modules.datetime.datetime.fromisoformat(value) -%}
  {%- elif value.hour is not defined -%}
    {#- YAML turns an unquoted 2024-03-01 into a date -#}
    {%- set value = modules.datetime.datetime(value.year, value.month, value.day) -%}
  {%- endif -%}
  {%- if value.tzinfo is none -%}
    {{ return(value.replace(tzinfo=utc)) }}
  {%- endif -%}
  {{ return(value.astimezone(utc)) }}
{% endmacro %}

{% macro _floor_day(ts) %}
  {{ return(ts.replace(hour=0, minute=0, second=0, microsecond=0)) }}
{% endmacro %}

{% macro _ceil_day(ts) %}
  {%- set floor = _floor_day(ts) -%}
  {{ return(floor if floor == ts else floor + modules.datetime.timedelta(days=1)) }}
{% endmacro %}

{% macro run_window() %}
  {#- The day-aligned window this run rebuilds: {'start', 'end', 'kind': 'vars'|'lookback'}. -#}
  {%- set since = _parse_window_var('since') -%}
  {%- set until = _parse_window_var('until') -%}
  {%- if (since is none) != (until is none) -%}
    {{ exceptions.raise_compiler_error("vars 'since' and 'until' go together: pass both or neither") }}
  {%- endif -%}
  {%- if since is not none -%}
    {%- if since >= until -%}
      {{ exceptions.raise_compiler_error("window is empty: since " ~ since.isoformat() ~ " >= until " ~ until.isoformat()) }}
    {%- endif -%}
    {{ return({'start': _floor_day(since), 'end': _ceil_day(until), 'kind': 'vars'}) }}
  {%- endif -%}
  {%- set today = _floor_day(modules.datetime.datetime.now(modules.pytz.utc)) -%}
  {%- set lookback = var('lookback_days') | int -%}
  {{ return({
      'start': today - modules.datetime.timedelta(days=lookback),
      'end': today + modules.datetime.timedelta(days=1),
      'kind': 'lookback'}) }}
{% endmacro %}

{% macro scans_everything() %}
  {#- True when this run rebuilds the whole model instead of the window. -#}
  {%- if flags.FULL_REFRESH -%}
    {{ return(true) }}
  {%- endif -%}
  {%- if run_window()['kind'] == 'vars' -%}
    {#- Decided without is_incremental(): it would ask the warehouse, and an explicit window never needs to. -#}
    {{ return(false) }}
  {%- endif -%}
  {{ return(not is_incremental()) }}
{% endmacro %}

{% macro window_days() %}
  {#- The UTC dates of the window, oldest first. -#}
  {%- set w = run_window() -%}
  {%- set days = [] -%}
  {%- set n = (w['end'] - w['start']).days -%}
  {%- for i in range(n) -%}
    {%- do days.append((w['start'] + modules.datetime.timedelta(days=i)).date()) -%}
  {%- endfor -%}
  {{ return(days) }}
{% endmacro %}

{% macro date_literal(day) -%}
  cast('{{ day.isoformat() }}' as date)
{%- endmacro %}

{% macro utc_timestamp_literal(ts) -%}
  {{ return(adapter.dispatch('utc_timestamp_literal', 'elt')(ts)) }}
{%- endmacro %}

{% macro default__utc_timestamp_literal(ts) -%}
  cast('{{ ts.strftime("%Y-%m-%d %H:%M:%S") }}+00:00' as timestamp)
{%- endmacro %}

{% macro duckdb__utc_timestamp_literal(ts) -%}
  cast('{{ ts.strftime("%Y-%m-%d %H:%M:%S") }}+00:00' as timestamptz)
{%- endmacro %}

{% macro window_filter(column, is_date=false) -%}
  {#- A predicate restricting `column` (a UTC timestamp, or a date with is_date) to the run's window. -#}
  {%- if scans_everything() -%}
    true
  {%- else -%}
    {%- set w = run_window() -%}
    {%- if is_date -%}
      {{ column }} >= {{ date_literal(w['start'].date()) }} and {{ column }} < {{ date_literal(w['end'].date()) }}
    {%- else -%}
      {{ column }} >= {{ utc_timestamp_literal(w['start']) }} and {{ column }} < {{ utc_timestamp_literal(w['end']) }}
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}

{% macro windowed(relation, column, is_date=false) -%}
  {#- `relation` restricted to the window, as a subquery. Read large sources only through this, so that
      BigQuery prunes their partitions (tests/dbt/test_bigquery_cost_guard.py checks it). -#}
  (select * from {{ relation }} where {{ window_filter(column, is_date) }})
{%- endmacro %}

{% macro all_partitions(column) -%}
  {#- An explicit whole-history read of a day-partitioned model: BigQuery's require_partition_filter rejects a
      scan without a partition predicate, and this one says on purpose that it reads everything. -#}
  {{ column }} >= cast('1970-01-01' as date)
{%- endmacro %}
