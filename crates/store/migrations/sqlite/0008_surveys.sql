-- Satisfaction surveys (满意度测评) on SQLite: the supervisor opens one for a plan, the public
-- (by browser, or by invitation code) and the deputies rate each item once. Released
-- migrations are never edited; add a new one.

create table surveys (
    id integer primary key,
    plan integer not null references plans (id),
    name text not null,
    audience text not null check (audience in ('anyone', 'invited')),
    -- ISO 8601 days.
    opened_on text not null,
    closes_on text,
    state text not null check (state in ('open', 'closed')),
    closed_on text,
    opened_by integer references users (id),
    created_at text not null,
    check ((state = 'closed') = (closed_on is not null))
);
create index surveys_by_plan on surveys (plan, id);

-- Only the SM3 hash of each code: the codes themselves were shown once and printed.
create table survey_codes (
    survey integer not null references surveys (id),
    code_hash text not null,
    created_at text not null,
    primary key (survey, code_hash)
);

-- One row per item rated. Who rated is one of three, and each of them rates an item once:
-- a browser (the SM3 hash of its random cookie id), an invitation code (its hash) or a
-- deputy. The unique keys hold even if a check in the code were skipped (NULLs never clash).
create table survey_ratings (
    id integer primary key,
    survey integer not null references surveys (id),
    item integer not null references items (id),
    grp text not null check (grp in ('public', 'deputies')),
    browser_hash text,
    code_hash text,
    deputy integer references users (id),
    level text not null check (level in ('satisfied', 'basic', 'dissatisfied')),
    -- Seen by the supervisor only; never published.
    comment text,
    created_at text not null,
    check ((browser_hash is not null) + (code_hash is not null) + (deputy is not null) = 1),
    check ((grp = 'deputies') = (deputy is not null)),
    foreign key (survey, code_hash) references survey_codes (survey, code_hash),
    unique (survey, item, browser_hash),
    unique (survey, item, code_hash),
    unique (survey, item, deputy)
);
create index survey_ratings_by_survey on survey_ratings (survey, item);
