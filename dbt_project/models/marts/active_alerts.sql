-- One row per alert firing at the engine's last evaluation before this build: a firing
-- transition in the exported alert history without a resolution of the same activation
-- (rule, fingerprint, starts_at). Empty when nothing fires or no evaluation has run yet.
with

activations as (

    select * from {{ ref('int_cross_alert_activations') }}

),

evaluation as (

    -- every row of one export carries the same exported_at: the evaluation it reflects
    select max(exported_at) as evaluated_at from activations

),

final as (

    select
        activations.history_id as alert_id,
        activations.rule,
        activations.severity,
        activations.fingerprint,
        activations.component,
        activations.host,
        activations.endpoint,
        activations.method,
        activations.labels,
        activations.value,
        activations.threshold,
        activations.summary,
        activations.active_since,
        activations.fired_at,
        evaluation.evaluated_at,
        {{ stable("date_diff('second', activations.fired_at, evaluation.evaluated_at) / 60.0", 2) }}
            as age_minutes
    from activations
    cross join evaluation
    where activations.resolved_at is null

)

select * from final
