{#-
  What each known customer did each day, on web and app: events, sessions and feature usage. Anonymous events (no
  customer) are left out here and counted in fct_feature_usage_daily. Daily active users = rows per activity_date.
-#}
{{ config(**daily_partitioned_incremental('activity_date', ['customer_id'])) }}

with

events as (
    select * from {{ windowed(ref('int_events__unioned'), 'event_date', is_date=true) }} as events
    where customer_id is not null
),

customers as (
    select customer_key, cast(source_record_id as {{ dbt.type_bigint() }}) as customer_id
    from {{ ref('int_customers__identity') }}
    where source_system = 'mysql'
),

daily as (
    select
        event_date as activity_date,
        customer_id,
        count(*) as events_count,
        count(distinct session_key) as sessions_count,
        sum(case when platform = 'web' then 1 else 0 end) as web_events_count,
        sum(case when platform = 'app' then 1 else 0 end) as app_events_count,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_views_count,
        sum(case when event_type = 'search' then 1 else 0 end) as searches_count,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_cart_count,
        sum(case when event_type = 'checkout' then 1 else 0 end) as checkouts_count,
        sum(case when feature is not null then 1 else 0 end) as feature_events_count,
        count(distinct feature) as distinct_features_used,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at
    from events
    group by 1, 2
)

select
    {{ dbt.concat([
        "cast(daily.activity_date as " ~ dbt.type_string() ~ ")", "'|'",
        "cast(daily.customer_id as " ~ dbt.type_string() ~ ")"]) }} as activity_day_key,
    daily.activity_date,
    daily.customer_id,
    customers.customer_key,
    daily.events_count,
    daily.sessions_count,
    daily.web_events_count,
    daily.app_events_count,
    daily.page_views_count,
    daily.searches_count,
    daily.add_to_cart_count,
    daily.checkouts_count,
    daily.feature_events_count,
    daily.distinct_features_used,
    daily.web_events_count > 0 as is_web_active,
    daily.app_events_count > 0 as is_app_active,
    daily.first_event_at,
    daily.last_event_at
from daily
left join customers on daily.customer_id = customers.customer_id
