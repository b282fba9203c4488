with source as (
    select * from {{ source('mysql', 'customers') }}
),

latest as (
    {{ latest_per_key('source', ['id'], 'updated_at desc, _extracted_at desc') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_bigint() }}) as customer_id,
        trim(email) as email,
        {{ normalize_email('email') }} as email_normalized,
        first_name,
        last_name,
        upper(trim(country)) as country_code,
        created_at,
        updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from renamed
