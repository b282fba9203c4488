with source as (
    select * from {{ source('salesforce', 'account') }}
),

latest as (
    {{ latest_per_key('source', ['id'], 'system_modstamp desc, _extracted_at desc') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as account_id,
        name as account_name,
        industry,
        created_date as created_at,
        system_modstamp as updated_at,
        coalesce(is_deleted, false) as is_deleted,
        _extracted_at as extracted_at
    from latest
)

select * from renamed
