-- The year-end assessment (年终考核) on SQLite: the weights a plan's parts carry, and the
-- supervisor's bonus and penalty entries (加分/扣分). An entry is never deleted: withdrawing
-- it records who, when and why, and the audit log keeps both events. Released migrations are
-- never edited; add a new one.

create table assessment_weights (
    plan integer primary key references plans (id),
    completion integer not null check (completion >= 0),
    timeliness integer not null check (timeliness >= 0),
    quality integer not null check (quality >= 0),
    satisfaction integer not null check (satisfaction >= 0 and satisfaction < 100),
    updated_at text not null,
    check (completion + timeliness + quality + satisfaction = 100)
);

create table assessment_entries (
    id integer primary key,
    plan integer not null references plans (id),
    unit integer not null references units (id),
    -- Positive for a bonus, negative for a penalty; in hundredths.
    points real not null check (points <> 0 and points between -100 and 100),
    reason text not null,
    -- The supervision order the entry is for, if any.
    order_id integer references supervision_orders (id),
    created_by integer references users (id),
    created_at text not null,
    withdrawn_by integer references users (id),
    withdrawn_at text,
    withdrawn_reason text,
    check ((withdrawn_at is null) = (withdrawn_reason is null))
);
create index assessment_entries_by_plan on assessment_entries (plan, id);
