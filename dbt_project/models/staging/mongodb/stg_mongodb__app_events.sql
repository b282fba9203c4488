with source as (
    select * from {{ source('mongodb', 'app_events') }}
),

-- Append-only: keep one row per ObjectId, the latest version.
latest as (
    {{ latest_per_key('source', ['_id'], 'updated_at desc, _extracted_at desc') }}
),

renamed as (
    select
        _id as event_id,
        cast(user_id as {{ dbt.type_bigint() }}) as customer_id,
        session_id,
        lower(type) as event_type,
        feature,
        created_at as occurred_at,
        cast(created_at as date) as event_date,
        updated_at,
        _extracted_at as extracted_at
    from latest
)

select * from renamed
