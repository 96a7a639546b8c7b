-- The public's messages (群众留言) on PostgreSQL: posted by anyone on an item, published or hidden
-- (with a reason) by the supervisor, answered by a lead unit; every answer is kept, with the
-- reason when it was returned. Released migrations are never edited; add a new one.

create table feedback (
    id bigint generated always as identity primary key,
    plan bigint not null references plans (id),
    -- No cascade: an item with messages is not deleted, so no message is lost.
    item bigint not null references items (id),
    text text not null,
    name text,
    -- Never public: read by the supervisor and the item's lead units only.
    contact text,
    -- None for the public (not signed in).
    posted_by bigint references users (id),
    -- ISO 8601 days.
    posted_on text not null,
    state text not null check (state in ('pending', 'published', 'hidden')),
    published_on text,
    hidden_on text,
    hidden_reason text,
    created_at text not null,
    check ((state = 'hidden') = (hidden_on is not null)),
    check ((hidden_on is null) = (hidden_reason is null)),
    check (state <> 'published' or published_on is not null),
    check (state <> 'pending' or published_on is null)
);
create index feedback_by_item on feedback (item, state, id);
create index feedback_by_plan on feedback (plan, id);

create table feedback_answers (
    feedback_id bigint not null references feedback (id) on delete cascade,
    number bigint not null,
    unit bigint not null references units (id),
    answer text not null,
    answered_on text not null,
    answered_by bigint references users (id),
    state text not null check (state in ('pending', 'approved', 'returned')),
    decided_on text,
    returned_reason text,
    created_at text not null,
    primary key (feedback_id, number),
    check ((state = 'pending') = (decided_on is null)),
    check ((state = 'returned') = (returned_reason is not null))
);
