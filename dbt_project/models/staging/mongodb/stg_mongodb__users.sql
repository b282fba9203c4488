with source as (
    select * from {{ source('mongodb', 'users') }}
),

latest as (
    {{ latest_per_key('source', ['_id'], 'updated_at desc, _extracted_at desc') }}
),

renamed as (
    select
        _id as app_user_id,
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        trim(email) as email,
        {{ normalize_email('email') }} as email_normalized,
        lower(plan) as plan,
        created_at,
        updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from renamed
