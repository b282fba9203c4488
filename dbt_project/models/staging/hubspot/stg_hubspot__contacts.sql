with source as (
    select * from {{ source('hubspot', 'contacts') }}
),

latest as (
    {{ latest_per_key('source', ['id'], 'lastmodifieddate desc, _extracted_at desc') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as contact_id,
        trim(email) as email,
        {{ normalize_email('email') }} as email_normalized,
        firstname as first_name,
        lastname as last_name,
        lower(lifecyclestage) as lifecycle_stage,
        createdate as created_at,
        lastmodifieddate as updated_at,
        coalesce(archived, false) as is_deleted,
        archived_at as deleted_at,
        _extracted_at as extracted_at
    from latest
)

select * from renamed
