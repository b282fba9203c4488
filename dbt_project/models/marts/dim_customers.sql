{#-
  One row per customer across the shop, the app and both CRMs (see int_customers__identity), with where the
  customer is known and their order and activity history. Names come from the shop first, then HubSpot, then
  Salesforce.
-#}
with

identity as (
    select * from {{ ref('int_customers__identity') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_key, source_system order by created_at, source_record_id
        ) as record_rank,
        case source_system when 'mysql' then 1 when 'hubspot' then 2 else 3 end as source_priority
    from identity
),

per_customer as (
    select
        customer_key,
        max(email_normalized) as email,
        -- The oldest shop record is the customer's shop id; later duplicates (same email) still map here.
        max(case when source_system = 'mysql' and record_rank = 1 then cast(source_record_id as {{ dbt.type_bigint() }}) end) as mysql_customer_id,
        max(case when source_system = 'hubspot' and record_rank = 1 then source_record_id end) as hubspot_contact_id,
        max(case when source_system = 'salesforce' and record_rank = 1 then source_record_id end) as salesforce_contact_id,
        count(*) as source_records_count,
        min(created_at) as first_seen_at
    from ranked
    group by customer_key
),

names as (
    select customer_key, first_name, last_name
    from ranked
    where record_rank = 1
    qualify row_number() over (partition by customer_key order by source_priority) = 1
),

shop_customers as (
    select customer_id, country_code
    from {{ ref('stg_mysql__customers') }}
),

{% if source_enabled('mongodb') %}
app_users as (
    {{ latest_per_key(ref('stg_mongodb__users'), ['customer_id'], 'updated_at desc') }}
),
{% endif %}

orders as (
    select
        customer_key,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        sum(orders_count) as lifetime_orders_count,
        sum(valid_orders_count) as lifetime_valid_orders_count
    from {{ ref('fct_orders') }}
    where {{ all_partitions('order_date') }}
    group by customer_key
),

activity as (
    select
        customer_key,
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date,
        count(*) as active_days_count
    from {{ ref('fct_customer_activity_daily') }}
    where {{ all_partitions('activity_date') }}
    group by customer_key
)

select
    per_customer.customer_key,
    per_customer.email,
    names.first_name,
    names.last_name,
    shop_customers.country_code,
    per_customer.mysql_customer_id,
    per_customer.hubspot_contact_id,
    per_customer.salesforce_contact_id,
    per_customer.mysql_customer_id is not null as is_shop_customer,
    per_customer.hubspot_contact_id is not null as is_in_hubspot,
    per_customer.salesforce_contact_id is not null as is_in_salesforce,
    per_customer.source_records_count,
    {% if source_enabled('mongodb') %}coalesce(app_users.plan, 'none'){% else %}'none'{% endif %} as app_plan,
    per_customer.first_seen_at,
    orders.first_order_date,
    orders.last_order_date,
    coalesce(orders.lifetime_orders_count, 0) as lifetime_orders_count,
    coalesce(orders.lifetime_valid_orders_count, 0) as lifetime_valid_orders_count,
    activity.first_active_date,
    activity.last_active_date,
    coalesce(activity.active_days_count, 0) as active_days_count
from per_customer
left join names on per_customer.customer_key = names.customer_key
left join shop_customers on per_customer.mysql_customer_id = shop_customers.customer_id
{% if source_enabled('mongodb') %}
left join app_users on per_customer.mysql_customer_id = app_users.customer_id
{% endif %}
left join orders on per_customer.customer_key = orders.customer_key
left join activity on per_customer.customer_key = activity.customer_key
