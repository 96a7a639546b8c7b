-- The first schema of shishi on PostgreSQL. Released migrations are never edited; add a new one.
-- Dates are ISO 8601 text ('2020-06-20'), instants RFC 3339 text in UTC, JSON is text.

create table units (
    id bigint generated always as identity primary key,
    name text not null unique,
    -- JSON array of the other names notices give the unit (教育局 = 区教育局).
    aliases text not null default '[]'
);

create table plans (
    id bigint generated always as identity primary key,
    -- SM3 of the parsed notice as imported last: the same notice again changes nothing.
    source_hash text not null,
    title text not null,
    year bigint not null,
    -- 文号, else the title (within a year): how a re-import of the notice is recognised.
    doc_number text unique,
    index_no text,
    issuer text,
    date text,
    place text,
    tolerance double precision not null default 0.05,
    red_line double precision not null default 0.30,
    due_day bigint not null default 25,
    require_unit_head_approval boolean not null default false,
    first_period text
);

create index plans_by_title on plans (title);

create table items (
    id bigint generated always as identity primary key,
    plan bigint not null references plans (id) on delete cascade,
    seq bigint not null,
    title text not null,
    category text,
    text text not null,
    unique (plan, seq)
);

create table item_units (
    item bigint not null references items (id) on delete cascade,
    unit bigint not null references units (id),
    role text not null check (role in ('lead', 'support')),
    position bigint not null,
    primary key (item, role, unit)
);
create index item_units_by_unit on item_units (unit);

create table targets (
    id bigint generated always as identity primary key,
    item bigint not null references items (id) on delete cascade,
    position bigint not null,
    text text not null,
    kind text not null check (kind in ('quantity', 'milestone')),
    value double precision,
    unit text,
    op text check (op in ('eq', 'ge', 'le', 'inc', 'dec')),
    baseline double precision,
    deadline text not null,
    curve text not null,
    unique (item, position)
);

create table users (
    id bigint generated always as identity primary key,
    login text not null unique,
    name text not null,
    role text not null check (role in ('admin', 'leader', 'unit_head', 'reporter', 'deputy')),
    unit bigint references units (id),
    password_hash text not null,
    failed_logins bigint not null default 0,
    locked_until text
);

create table api_tokens (
    id bigint generated always as identity primary key,
    user_id bigint not null references users (id) on delete cascade,
    token_hash text not null unique,
    created text not null
);

create table reports (
    id bigint generated always as identity primary key,
    -- No cascade: a target with reports is not deleted, so no history is lost.
    target bigint not null references targets (id),
    period text not null,
    unique (target, period)
);

create table report_revisions (
    report bigint not null references reports (id) on delete cascade,
    number bigint not null,
    value double precision,
    percent double precision,
    progress text not null,
    problems text not null,
    next_steps text not null,
    funds text,
    state text not null
        check (state in ('draft', 'submitted', 'unit_head_approved', 'approved', 'returned')),
    return_reason text,
    submitted_on text,
    created_at text not null,
    primary key (report, number),
    check ((value is null) <> (percent is null)),
    check ((state = 'returned') = (return_reason is not null))
);

create table audit_events (
    seq bigint primary key,
    actor text not null,
    at text not null,
    action text not null,
    entity text not null,
    entity_id text not null,
    before text,
    after text,
    prev_hash text not null,
    hash text not null unique
);
