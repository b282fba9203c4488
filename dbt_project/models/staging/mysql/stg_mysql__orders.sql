with source as (
    select * from {{ source('mysql', 'orders') }}
),

latest as (
    {{ latest_per_key('source', ['id'], 'updated_at desc, _extracted_at desc') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_bigint() }}) as order_id,
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        lower(status) as order_status,
        upper(currency) as currency_code,
        cast(total_amount as {{ dbt.type_numeric() }}) as total_amount,
        created_at,
        cast(created_at as date) as order_date,
        updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from renamed
