with source as (
    select * from {{ source('mysql', 'events') }}
),

-- Append-only: a reloaded window can repeat an event, so keep one row per event_id.
latest as (
    {{ latest_per_key('source', ['event_id'], '_extracted_at desc') }}
),

renamed as (
    select
        event_id,
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        session_id,
        lower(event_type) as event_type,
        feature,
        created_at as occurred_at,
        cast(created_at as date) as event_date,
        _extracted_at as extracted_at
    from latest
)

select * from renamed
