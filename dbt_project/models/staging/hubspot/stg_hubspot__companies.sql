with source as (
    select * from {{ source('hubspot', 'companies') }}
),

latest as (
    {{ latest_per_key('source', ['id'], 'hs_lastmodifieddate desc, _extracted_at desc') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as company_id,
        name as company_name,
        lower(trim(domain)) as domain,
        createdate as created_at,
        hs_lastmodifieddate as updated_at,
        coalesce(archived, false) as is_deleted,
        archived_at as deleted_at,
        _extracted_at as extracted_at
    from latest
)

select * from renamed
