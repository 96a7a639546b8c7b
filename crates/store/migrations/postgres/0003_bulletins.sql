-- Published supervision bulletins (督查通报) on PostgreSQL. A bulletin is published once and
-- never changed: a correction is a new bulletin with its own 索引号. Released migrations are
-- never edited; add a new one.

create table bulletins (
    id bigint generated always as identity primary key,
    plan bigint not null references plans (id),
    -- The month reported on, YYYY-MM.
    period text not null,
    -- The year of the 索引号: the plan's year.
    year bigint not null,
    -- The publishing organisation's code (统一社会信用代码 or 组织机构代码), the part of the
    -- 索引号 before the slash.
    org_code text not null,
    -- Counts the organisation's bulletins within the year from 1.
    serial bigint not null,
    -- org_code/year-serial, the serial in five digits: 11320706MB1234567X/2020-00009.
    index_no text not null unique,
    doc_number text not null,
    issuer text not null,
    title text not null,
    -- 成文日期, ISO 8601.
    issued_on text not null,
    -- RFC 3339 in UTC.
    published_at text not null,
    published_by bigint references users (id),
    -- The bulletin as an HTML fragment (an <article>), as Markdown, and as a .docx.
    html text not null,
    md text not null,
    docx bytea not null,
    unique (org_code, year, serial)
);
create index bulletins_by_plan on bulletins (plan, id);

create function bulletins_never_change() returns trigger language plpgsql as $$
begin
    raise exception 'a published bulletin is never changed or removed; publish a correction';
end;
$$;
create trigger bulletins_never_change before update or delete on bulletins
    for each row execute function bulletins_never_change();
