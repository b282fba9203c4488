{#-
  Every open or closed deal (HubSpot) and opportunity (Salesforce), current state, with stage, funnel order and
  amount. Deleted records are left out. Sum amount by stage_label (ordered by stage_order) for the pipeline view.
-#}
with

{% set crm_sources = [] %}
{% if source_enabled('hubspot') %}{% do crm_sources.append('hubspot') %}{% endif %}
{% if source_enabled('salesforce') %}{% do crm_sources.append('salesforce') %}{% endif %}

stages as (
    select * from {{ ref('crm_pipeline_stages') }}
),

{% if source_enabled('hubspot') %}
hubspot_deals as (
    select
        'hubspot' as crm_source,
        deal_id,
        deal_name,
        pipeline,
        deal_stage as stage,
        cast(null as {{ dbt.type_string() }}) as account_id,
        amount,
        close_date,
        created_at,
        cast(null as {{ dbt.type_boolean() }}) as is_closed_in_crm,
        cast(null as {{ dbt.type_boolean() }}) as is_won_in_crm
    from {{ ref('stg_hubspot__deals') }}
    where not is_deleted
),
{% endif %}

{% if source_enabled('salesforce') %}
salesforce_opportunities as (
    select
        'salesforce' as crm_source,
        opportunity_id as deal_id,
        opportunity_name as deal_name,
        'default' as pipeline,
        lower(stage_name) as stage,
        account_id,
        amount,
        close_date,
        created_at,
        is_closed as is_closed_in_crm,
        is_won as is_won_in_crm
    from {{ ref('stg_salesforce__opportunities') }}
    where not is_deleted
),
{% endif %}

deals as (
    {% for crm in crm_sources %}
    select * from {{ 'hubspot_deals' if crm == 'hubspot' else 'salesforce_opportunities' }}
    {% if not loop.last %}union all{% endif %}
    {% else %}
    -- No CRM loaded in this warehouse: keep the table and its columns, empty.
    select
        cast(null as {{ dbt.type_string() }}) as crm_source,
        cast(null as {{ dbt.type_string() }}) as deal_id,
        cast(null as {{ dbt.type_string() }}) as deal_name,
        cast(null as {{ dbt.type_string() }}) as pipeline,
        cast(null as {{ dbt.type_string() }}) as stage,
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(null as {{ dbt.type_numeric() }}) as amount,
        cast(null as date) as close_date,
        cast(null as {{ dbt.type_timestamp() }}) as created_at,
        cast(null as {{ dbt.type_boolean() }}) as is_closed_in_crm,
        cast(null as {{ dbt.type_boolean() }}) as is_won_in_crm
    limit 0
    {% endfor %}
),

staged as (
    select
        deals.*,
        coalesce(stages.stage_label, deals.stage) as stage_label,
        coalesce(stages.stage_order, 99) as stage_order,
        -- Salesforce's own flags win; HubSpot has only the stage.
        case
            when deals.is_won_in_crm then 'won'
            when deals.is_closed_in_crm then 'lost'
            when deals.is_closed_in_crm is not null then 'open'
            else coalesce(stages.stage_category, 'open')
        end as stage_category
    from deals
    left join stages
        on deals.crm_source = stages.crm_source and deals.stage = lower(stages.stage)
)

select
    {{ dbt.concat(["crm_source", "':'", "deal_id"]) }} as deal_key,
    crm_source,
    deal_id,
    deal_name,
    pipeline,
    stage,
    stage_label,
    stage_order,
    stage_category,
    stage_category != 'open' as is_closed,
    stage_category = 'won' as is_won,
    account_id,
    coalesce(amount, 0) as amount,
    close_date,
    created_at,
    cast(created_at as date) as created_date
from staged
