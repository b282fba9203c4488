with source as (
    select * from {{ source('salesforce', 'opportunity') }}
),

latest as (
    {{ latest_per_key('source', ['id'], 'system_modstamp desc, _extracted_at desc') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as opportunity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        name as opportunity_name,
        cast(amount as {{ dbt.type_numeric() }}) as amount,
        stage_name,
        cast(probability as {{ dbt.type_numeric() }}) as probability,
        cast(close_date as date) as close_date,
        coalesce(is_closed, false) as is_closed,
        coalesce(is_won, false) as is_won,
        created_date as created_at,
        system_modstamp as updated_at,
        coalesce(is_deleted, false) as is_deleted,
        _extracted_at as extracted_at
    from latest
)

select * from renamed
