-- What the web application adds on SQLite: sign-in sessions, report attachments, and the
-- record of targets changed by hand. Released migrations are never edited; add a new one.

create table sessions (
    -- SM3 hex of the cookie's secret: a stolen database gives no usable cookie.
    id_hash text primary key,
    user_id integer not null references users (id) on delete cascade,
    csrf text not null,
    created_at text not null,
    -- RFC 3339 in UTC to the second, so that comparing the text compares the instants.
    expires_at text not null
);
create index sessions_by_user on sessions (user_id);
create index sessions_by_expiry on sessions (expires_at);

create table attachments (
    -- SM3 hex of the bytes: the same photo uploaded twice is stored once.
    hash text primary key,
    content_type text not null,
    size integer not null,
    bytes blob not null,
    -- The photo's own time (EXIF DateTimeOriginal) as ISO 8601 local time, when it has one.
    captured_at text,
    uploaded_at text not null
);

create table report_attachments (
    report integer not null references reports (id) on delete cascade,
    -- The revision the file came with: it is public once a revision this late is approved.
    revision integer not null,
    hash text not null references attachments (hash),
    name text not null,
    uploaded_at text not null,
    primary key (report, hash)
);
create index report_attachments_by_hash on report_attachments (hash);

create table target_changes (
    id integer primary key,
    target integer not null references targets (id) on delete cascade,
    at text not null,
    actor text not null,
    reason text not null,
    -- JSON of the target (text, measure, deadline, curve) before and after.
    before text not null,
    after text not null
);
create index target_changes_by_target on target_changes (target);
