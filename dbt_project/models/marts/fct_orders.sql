{#-
  Orders per day, customer and currency (amounts are never summed across currencies), partitioned by order day.
  A day is rebuilt from the orders created that day, with their latest status: a status change to an order older
  than the window (e.g. a refund weeks later) reaches this table through the lookback or a backfill of its day.
-#}
{{ config(**daily_partitioned_incremental('order_date', ['customer_id'])) }}

with

orders as (
    {{ latest_per_key(windowed(source('mysql', 'orders'), 'created_at'), ['id'], 'updated_at desc, _extracted_at desc') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_bigint() }}) as order_id,
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        lower(status) as order_status,
        upper(currency) as currency_code,
        cast(total_amount as {{ dbt.type_numeric() }}) as total_amount,
        cast(created_at as date) as order_date
    from orders
),

customers as (
    select customer_key, cast(source_record_id as {{ dbt.type_bigint() }}) as customer_id
    from {{ ref('int_customers__identity') }}
    where source_system = 'mysql'
)

select
    {{ dbt.concat([
        "cast(renamed.order_date as " ~ dbt.type_string() ~ ")", "'|'",
        "cast(renamed.customer_id as " ~ dbt.type_string() ~ ")", "'|'",
        "renamed.currency_code"]) }} as order_day_key,
    renamed.order_date,
    renamed.customer_id,
    customers.customer_key,
    renamed.currency_code,
    count(*) as orders_count,
    sum(case when renamed.order_status in ('cancelled', 'refunded') then 0 else 1 end) as valid_orders_count,
    sum(case when renamed.order_status = 'cancelled' then 1 else 0 end) as cancelled_orders_count,
    sum(case when renamed.order_status = 'refunded' then 1 else 0 end) as refunded_orders_count,
    sum(renamed.total_amount) as gross_amount,
    sum(case when renamed.order_status in ('cancelled', 'refunded') then 0 else renamed.total_amount end) as net_amount
from renamed
left join customers on renamed.customer_id = customers.customer_id
group by 1, 2, 3, 4, 5
