{#-
  The identity map: one row per customer record of any source, with the customer it belongs to.
  Records match when their normalised email (lower(trim(email))) is equal. A record without an email matches
  nothing and becomes a customer of its own. Deleted CRM records (HubSpot archived, Salesforce IsDeleted) are left
  out: a deleted contact must not merge two customers or keep one alive.
-#}
with

records as (
    select
        'mysql' as source_system,
        cast(customer_id as {{ dbt.type_string() }}) as source_record_id,
        email_normalized,
        first_name,
        last_name,
        created_at,
        updated_at
    from {{ ref('stg_mysql__customers') }}

    {% if source_enabled('hubspot') %}
    union all
    select
        'hubspot' as source_system,
        contact_id as source_record_id,
        email_normalized,
        first_name,
        last_name,
        created_at,
        updated_at
    from {{ ref('stg_hubspot__contacts') }}
    where not is_deleted
    {% endif %}

    {% if source_enabled('salesforce') %}
    union all
    select
        'salesforce' as source_system,
        contact_id as source_record_id,
        email_normalized,
        first_name,
        last_name,
        created_at,
        updated_at
    from {{ ref('stg_salesforce__contacts') }}
    where not is_deleted
    {% endif %}
),

keyed as (
    select
        *,
        coalesce(
            email_normalized,
            {{ dbt.concat(["source_system", "':'", "source_record_id"]) }}
        ) as match_key
    from records
)

select
    {{ dbt.concat(["source_system", "':'", "source_record_id"]) }} as identity_record_id,
    {{ dbt.hash('match_key') }} as customer_key,
    source_system,
    source_record_id,
    email_normalized,
    first_name,
    last_name,
    created_at,
    updated_at
from keyed
