{#-
  Monthly retention, ready to plot: one row per cohort month x months since the cohort's first month.
  A customer's cohort is the month of their first activity (an order, a web or an app event). They are retained in
  a later month when they are active in it (again: an order or an event). Every cohort gets a row for every month
  up to the latest month with data, retained or not, so a heatmap or a line per cohort needs no gap filling.
-#}
with

activity_months as (
    select distinct customer_key, activity_month
    from (
        select customer_key, cast({{ dbt.date_trunc('month', 'order_date') }} as date) as activity_month
        from {{ ref('fct_orders') }}
        where {{ all_partitions('order_date') }} and valid_orders_count > 0
        union all
        select customer_key, cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as activity_month
        from {{ ref('fct_customer_activity_daily') }}
        where {{ all_partitions('activity_date') }}
    ) as unioned
    where customer_key is not null
),

cohorts as (
    select customer_key, min(activity_month) as cohort_month
    from activity_months
    group by customer_key
),

cohort_sizes as (
    select cohort_month, count(*) as cohort_size
    from cohorts
    group by cohort_month
),

calendar as (
    select distinct activity_month as period_month from activity_months
),

grid as (
    select
        cohort_sizes.cohort_month,
        calendar.period_month,
        cohort_sizes.cohort_size
    from cohort_sizes
    inner join calendar on calendar.period_month >= cohort_sizes.cohort_month
),

retained as (
    select
        cohorts.cohort_month,
        activity_months.activity_month as period_month,
        count(*) as retained_customers
    from activity_months
    inner join cohorts on activity_months.customer_key = cohorts.customer_key
    group by 1, 2
)

select
    {{ dbt.concat([
        "cast(grid.cohort_month as " ~ dbt.type_string() ~ ")", "'|'",
        "cast(grid.period_month as " ~ dbt.type_string() ~ ")"]) }} as cohort_period_key,
    grid.cohort_month,
    grid.period_month,
    cast({{ dbt.datediff('grid.cohort_month', 'grid.period_month', 'month') }} as {{ dbt.type_int() }}) as months_since_first_activity,
    grid.cohort_size,
    coalesce(retained.retained_customers, 0) as retained_customers,
    round(cast(coalesce(retained.retained_customers, 0) as {{ dbt.type_numeric() }}) / grid.cohort_size, 4) as retention_rate
from grid
left join retained
    on grid.cohort_month = retained.cohort_month and grid.period_month = retained.period_month
