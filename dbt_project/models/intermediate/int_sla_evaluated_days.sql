-- One row per (source, day) that has an SLA evaluation: where data_ok can be true or false
-- (elsewhere it is unknown, NULL).
select distinct
    source,
    event_date
from {{ ref('stg_quality__sla_results') }}
