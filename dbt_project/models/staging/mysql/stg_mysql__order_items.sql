with source as (
    select * from {{ source('mysql', 'order_items') }}
),

latest as (
    {{ latest_per_key('source', ['order_id', 'line_no'], 'updated_at desc, _extracted_at desc') }}
),

renamed as (
    select
        {{ dbt.concat(["cast(order_id as " ~ dbt.type_string() ~ ")", "'-'", "cast(line_no as " ~ dbt.type_string() ~ ")"]) }} as order_item_id,
        cast(order_id as {{ dbt.type_bigint() }}) as order_id,
        cast(line_no as {{ dbt.type_int() }}) as line_no,
        product_sku,
        cast(quantity as {{ dbt.type_int() }}) as quantity,
        cast(unit_price as {{ dbt.type_numeric() }}) as unit_price,
        cast(quantity * unit_price as {{ dbt.type_numeric() }}) as line_amount,
        created_at,
        updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from renamed
