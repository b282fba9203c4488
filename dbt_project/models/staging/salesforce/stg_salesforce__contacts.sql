with source as (
    select * from {{ source('salesforce', 'contact') }}
),

latest as (
    {{ latest_per_key('source', ['id'], 'system_modstamp desc, _extracted_at desc') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as contact_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        trim(email) as email,
        {{ normalize_email('email') }} as email_normalized,
        first_name,
        last_name,
        created_date as created_at,
        system_modstamp as updated_at,
        coalesce(is_deleted, false) as is_deleted,
        _extracted_at as extracted_at
    from latest
)

select * from renamed
