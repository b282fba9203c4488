{#-
  Feature usage per day, platform and feature: how many events, users and sessions touched each feature. Feeds the
  "which features to build next" view; anonymous visitors count in events and sessions, not in users.
-#}
{{ config(**daily_partitioned_incremental('activity_date', ['feature'])) }}

with

feature_events as (
    select * from {{ windowed(ref('int_events__unioned'), 'event_date', is_date=true) }} as events
    where feature is not null
)

select
    {{ dbt.concat([
        "cast(event_date as " ~ dbt.type_string() ~ ")", "'|'", "platform", "'|'", "feature"]) }} as feature_day_key,
    event_date as activity_date,
    platform,
    feature,
    count(*) as events_count,
    count(distinct customer_id) as users_count,
    count(distinct session_key) as sessions_count,
    sum(case when customer_id is null then 1 else 0 end) as anonymous_events_count
from feature_events
group by 1, 2, 3, 4
