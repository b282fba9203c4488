{#-
  Every behavioural event, web (MySQL events) and app (MongoDB app_events), one row per event, partitioned by day.
  It reads the raw tables through windowed() rather than the staging views: a window filter cannot be pushed below
  the staging views' dedupe, and here it must reach the raw partitions. An event's created_at never changes, so
  deduplicating inside the window is the same as deduplicating the whole table.
-#}
{{ config(**daily_partitioned_incremental('event_date', ['platform', 'event_type'])) }}

with

{% if source_enabled('mysql') %}
web_events as (
    {{ latest_per_key(windowed(source('mysql', 'events'), 'created_at'), ['event_id'], '_extracted_at desc') }}
),
{% endif %}

{% if source_enabled('mongodb') %}
app_events as (
    {{ latest_per_key(windowed(source('mongodb', 'app_events'), 'created_at'), ['_id'], 'updated_at desc, _extracted_at desc') }}
),
{% endif %}

unioned as (
    {% if source_enabled('mysql') %}
    select
        'web' as platform,
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        cast(session_id as {{ dbt.type_string() }}) as session_id,
        lower(event_type) as event_type,
        feature,
        created_at as occurred_at
    from web_events
    {% endif %}

    {% if source_enabled('mysql') and source_enabled('mongodb') %}
    union all
    {% endif %}

    {% if source_enabled('mongodb') %}
    select
        'app' as platform,
        cast(_id as {{ dbt.type_string() }}) as event_id,
        cast(user_id as {{ dbt.type_bigint() }}) as customer_id,
        cast(session_id as {{ dbt.type_string() }}) as session_id,
        lower(type) as event_type,
        feature,
        created_at as occurred_at
    from app_events
    {% endif %}
)

select
    {{ dbt.concat(["platform", "':'", "event_id"]) }} as event_key,
    platform,
    event_id,
    customer_id,
    -- Session ids are only unique within a platform.
    {{ dbt.concat(["platform", "':'", "session_id"]) }} as session_key,
    event_type,
    nullif(trim(feature), '') as feature,
    occurred_at,
    cast(occurred_at as date) as event_date
from unioned
