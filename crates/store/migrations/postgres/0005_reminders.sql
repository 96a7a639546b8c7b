-- Reminders (提醒) on PostgreSQL: each one sent once, keyed by what makes it the same reminder
-- (kind, plan and period or order, recipient, lead time); its in-app notice written in the
-- same transaction; each channel's delivery kept with its attempts, so a failed e-mail or
-- webhook is tried again without sending the reminder twice. Users get an e-mail address.
-- Released migrations are never edited; add a new one.

alter table users add column email text;

create table reminders (
    key text primary key,
    kind text not null check (kind in ('report_due', 'order_overdue')),
    recipient bigint not null references users (id) on delete cascade,
    title text not null,
    body text not null,
    -- ISO 8601 day the reminder was due on (the scheduler's today).
    due_on text not null,
    created_at text not null
);

create table notices (
    id bigint generated always as identity primary key,
    user_id bigint not null references users (id) on delete cascade,
    reminder_key text references reminders (key) on delete cascade,
    title text not null,
    body text not null,
    created_at text not null,
    read_at text
);
create index notices_by_user on notices (user_id, id);

create table reminder_deliveries (
    reminder_key text not null references reminders (key) on delete cascade,
    channel text not null check (channel in ('email', 'webhook')),
    -- Where it goes: the e-mail address; empty for the webhook (its URL is configuration).
    address text not null,
    status text not null check (status in ('pending', 'sent', 'failed')),
    attempts bigint not null default 0,
    last_error text,
    last_attempt_at text,
    sent_at text,
    primary key (reminder_key, channel)
);
create index reminder_deliveries_open on reminder_deliveries (status);
