-- The deputies' vote (人大代表票决) on SQLite: proposals, the candidate list, voting sessions
-- with their roll and their tallies, and the deputies' follows and comments on items.
-- Released migrations are never edited; add a new one.
--
-- SECRET BALLOT: the roll (who voted) and the tallies (what was voted) are two tables with
-- nothing that joins them: no ballot rows, no voter on a tally, no time on either. See the
-- reasoning at the top of crates/store/src/votes.rs.

create table vote_proposals (
    id integer primary key,
    plan_year integer not null,
    title text not null,
    description text not null,
    -- The lead unit the proposer suggests, as typed.
    lead_unit text not null,
    proposer_name text not null,
    -- Never public: for the supervisor to ask back.
    proposer_contact text not null,
    -- The deputy who proposed it signed in; none for the public.
    deputy integer references users (id),
    state text not null check (state in ('pending', 'published', 'declined')),
    decline_reason text,
    created_at text not null,
    check ((state = 'declined') = (decline_reason is not null))
);
create index vote_proposals_by_year on vote_proposals (plan_year, id);

create table vote_candidates (
    id integer primary key,
    plan_year integer not null,
    title text not null,
    description text not null,
    category text,
    -- JSON array of unit ids (units.id), lead units in order.
    lead_units text not null,
    proposal integer references vote_proposals (id),
    withdrawn integer not null default 0,
    created_at text not null
);
create index vote_candidates_by_year on vote_candidates (plan_year, id);

create table vote_sessions (
    id integer primary key,
    plan_year integer not null,
    title text not null,
    -- More than quorum_num/quorum_den of the roll must vote, or the session is void.
    quorum_num integer not null,
    quorum_den integer not null,
    state text not null check (state in ('open', 'closed')),
    opened_on text not null,
    closed_on text,
    -- At closing: 1 (true) when the quorum was not met (未达法定人数) and nothing is adopted.
    void integer,
    -- The plan made from the adopted candidates.
    plan integer references plans (id),
    check ((state = 'closed') = (closed_on is not null)),
    check ((state = 'closed') = (void is not null))
);
-- One open session at a time per plan year.
create unique index vote_sessions_one_open on vote_sessions (plan_year) where state = 'open';

-- The roll (应到代表): every deputy at opening, and whether they have voted (实到). Nothing
-- here says how.
create table vote_roll (
    session integer not null references vote_sessions (id),
    deputy integer not null references users (id),
    voted integer not null default 0,
    primary key (session, deputy)
) without rowid;

-- The candidate list frozen at opening, with the running tallies. Nothing here says who.
create table vote_session_candidates (
    session integer not null references vote_sessions (id),
    -- 1, 2, 3… in the list's order: the ballot's order.
    position integer not null,
    candidate integer not null references vote_candidates (id),
    title text not null,
    description text not null,
    category text,
    lead_units text not null,
    votes_for integer not null default 0,
    votes_against integer not null default 0,
    abstentions integer not null default 0,
    primary key (session, position)
) without rowid;

create table deputy_follows (
    deputy integer not null references users (id),
    item integer not null references items (id) on delete cascade,
    primary key (deputy, item)
) without rowid;

create table deputy_comments (
    id integer primary key,
    item integer not null references items (id) on delete cascade,
    deputy integer not null references users (id),
    text text not null,
    created_at text not null
);
create index deputy_comments_by_item on deputy_comments (item, id);
