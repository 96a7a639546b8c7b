-- The year-end assessment (年终考核) on PostgreSQL: the weights a plan's parts carry, and the
-- supervisor's bonus and penalty entries (加分/扣分). An entry is never deleted: withdrawing
-- it records who, when and why, and the audit log keeps both events. Released migrations are
-- never edited; add a new one.

create table assessment_weights (
    plan bigint primary key references plans (id),
    completion bigint not null check (completion >= 0),
    timeliness bigint not null check (timeliness >= 0),
    quality bigint not null check (quality >= 0),
    satisfaction bigint not null check (satisfaction >= 0 and satisfaction < 100),
    updated_at text not null,
    check (completion + timeliness + quality + satisfaction = 100)
);

create table assessment_entries (
    id bigint generated always as identity primary key,
    plan bigint not null references plans (id),
    unit bigint not null references units (id),
    -- Positive for a bonus, negative for a penalty; in hundredths.
    points double precision not null check (points <> 0 and points between -100 and 100),
    reason text not null,
    -- The supervision order the entry is for, if any.
    order_id bigint references supervision_orders (id),
    created_by bigint references users (id),
    created_at text not null,
    withdrawn_by bigint references users (id),
    withdrawn_at text,
    withdrawn_reason text,
    check ((withdrawn_at is null) = (withdrawn_reason is null))
);
create index assessment_entries_by_plan on assessment_entries (plan, id);
