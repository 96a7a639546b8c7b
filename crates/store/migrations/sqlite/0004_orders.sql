-- Supervision orders (督办单) on SQLite: the supervisor requires a lead unit to act on an item
-- or one of its targets by a day; every answer of the unit head is kept, with the reason when
-- it was sent back. Released migrations are never edited; add a new one.

create table supervision_orders (
    id integer primary key,
    plan integer not null references plans (id),
    -- No cascade: an item or target with orders is not deleted, so no history is lost.
    item integer not null references items (id),
    -- None for the item as a whole.
    target integer references targets (id),
    unit integer not null references units (id),
    requirement text not null,
    -- ISO 8601 days.
    due_on text not null,
    issued_on text not null,
    issued_by integer references users (id),
    state text not null check (state in ('issued', 'answered', 'closed')),
    closed_on text,
    created_at text not null,
    check ((state = 'closed') = (closed_on is not null))
);
create index supervision_orders_by_plan on supervision_orders (plan, id);
create index supervision_orders_by_unit on supervision_orders (unit, id);

create table supervision_order_answers (
    order_id integer not null references supervision_orders (id) on delete cascade,
    number integer not null,
    answer text not null,
    -- JSON array of the evidence files' SM3 hashes (attachments.hash).
    evidence text not null,
    answered_on text not null,
    answered_by integer references users (id),
    sent_back_reason text,
    sent_back_on text,
    created_at text not null,
    primary key (order_id, number),
    check ((sent_back_reason is null) = (sent_back_on is null))
);
