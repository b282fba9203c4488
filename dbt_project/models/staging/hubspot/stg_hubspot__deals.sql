with source as (
    select * from {{ source('hubspot', 'deals') }}
),

latest as (
    {{ latest_per_key('source', ['id'], 'hs_lastmodifieddate desc, _extracted_at desc') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as deal_id,
        dealname as deal_name,
        cast(amount as {{ dbt.type_numeric() }}) as amount,
        lower(dealstage) as deal_stage,
        lower(pipeline) as pipeline,
        cast(closedate as date) as close_date,
        createdate as created_at,
        hs_lastmodifieddate as updated_at,
        coalesce(archived, false) as is_deleted,
        archived_at as deleted_at,
        _extracted_at as extracted_at
    from latest
)

select * from renamed
