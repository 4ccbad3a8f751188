-- Messages become rows of their own: public.codebase_chat_messages, one row per message, keyed by
-- (session, message id) and ordered by the message's timestamp.
--
-- Why: the history was one jsonb value that every append rewrote whole (0.5 ms at 10 messages,
-- 37-112 ms at 10 000), and deduplication, ordering and "what changed since version v" all paid for
-- the whole value too. Now an append is an index probe and an insert per message, and what changed
-- since a version is a range scan.
--
-- What readers keep: `conversation_history` is still a field of public.codebase_chat_sessions
-- through PostgREST (`?select=...,conversation_history`): a computed field, the function
-- public.conversation_history(public.codebase_chat_sessions), answering the ordered JSON array of the
-- message objects exactly as they were sent. In SQL it is `s.conversation_history` (qualified) or
-- `public.conversation_history(s)`. It is not part of `select=*` (PostgREST leaves computed fields
-- out of `*`), and it cannot be written: every write goes through the functions
-- (append_chat_messages, clear_chat_history, delete_chat_session, and for service_role
-- store_chat_session_for).
--
-- The order rule: a session's history is ordered by each message's `timestamp` (the moment the
-- gateway acknowledged it), then by the order in which messages reached the database. A backlog a
-- gateway delivers late therefore lands where its timestamps put it, not after everything other
-- gateways stored meanwhile. Every message row records `added_version`, the session version of
-- the write that stored it; chat_session_changes answers what changed since a version from that.
--
-- Existing rows are migrated in place, every message kept in its stored order: a message without
-- a valid id (^[A-Za-z0-9_-]{1,64}$), or repeating an earlier message's id, is keyed
-- `legacy-<position>-<8 hex>` (its JSON is kept as it was); one without a readable timestamp is
-- ordered as of the latest readable timestamp before it, so the stored order never changes. A
-- history that is not an array (the original schema allowed one; it is left only where
-- codebase_chat_sessions_history_is_array is NOT VALID) becomes a history of one message, that
-- value, rather than being dropped. Every migrated session records its version as cleared: which
-- of its messages came with which version is not known, so a holder of an older version is answered
-- the whole history (a reset) by chat_session_changes.

-- ---------------------------------------------------------------------------------------------
-- The table of messages.
create table public.codebase_chat_messages (
  session_row_id uuid not null references public.codebase_chat_sessions (id) on delete cascade,
  -- The session's owner, copied so that Row Level Security needs no join (kept equal by a trigger
  -- on the sessions table).
  user_id uuid,
  message_id text not null,
  sent_at timestamptz not null,
  seq bigint generated always as identity,
  added_version bigint not null,
  body jsonb not null,
  body_bytes integer not null,
  primary key (session_row_id, message_id)
);
-- The order key only: a B-tree entry holds at most about 2.7 kB, and a message may reach 1 MiB.
create index codebase_chat_messages_order_idx
  on public.codebase_chat_messages (session_row_id, sent_at, seq);
create index codebase_chat_messages_added_version_idx
  on public.codebase_chat_messages (session_row_id, added_version);

comment on table public.codebase_chat_messages is
  'One row per message of a chat session. Read through the conversation_history field of codebase_chat_sessions; written only by the chat-session functions.';
comment on column public.codebase_chat_messages.sent_at is
  'The message''s timestamp: the history''s order key (ties keep the order of arrival, seq).';
comment on column public.codebase_chat_messages.added_version is
  'The session version of the write that stored this message.';

alter table public.codebase_chat_messages enable row level security;
create policy codebase_chat_messages_select_own on public.codebase_chat_messages
  for select to authenticated
  using ((select auth.uid()) = user_id);

-- Users read their messages (through conversation_history, or this table); nobody writes them but
-- the functions, so the session's counters cannot drift from its messages.
revoke all on table public.codebase_chat_messages from public, anon, authenticated, service_role;
grant select on table public.codebase_chat_messages to authenticated, service_role;
-- The identity sequence of seq too (projects created before 2026 grant new sequences to the API
-- roles); inserts into an identity column need no privilege on it.
revoke all on sequence public.codebase_chat_messages_seq_seq from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- New columns of the sessions table.
alter table public.codebase_chat_sessions
  add column history_bytes bigint not null default 0,
  add column fields_version bigint not null default 0,
  add column cleared_version bigint not null default 0;

comment on column public.codebase_chat_sessions.history_bytes is
  'Size of the history as JSON text: the sum over its messages of their JSON text and 2 (a separator); at most 16 MiB.';
comment on column public.codebase_chat_sessions.fields_version is
  'The version of the last write that changed repo, current_file, context_cache or metadata.';
comment on column public.codebase_chat_sessions.cleared_version is
  'The version of the last write that removed or reordered stored messages (a clear).';
comment on column public.codebase_chat_sessions.message_count is
  'How many messages the session holds; kept by the functions that write them.';

-- ---------------------------------------------------------------------------------------------
-- Move the stored histories into rows.
--
-- A readable timestamp is a date, optionally with a time and a zone, that PostgreSQL can read; words
-- PostgreSQL would also read ('yesterday', 'now', 'epoch', 'infinity') are not timestamps of a message.
create function codebase_chat_private.legacy_timestamp(p_text text)
returns timestamptz
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$' then
    return null;
  end if;
  return p_text::timestamptz;
exception when others then
  return null;
end;
$$;

insert into public.codebase_chat_messages
  (session_row_id, user_id, message_id, sent_at, seq, added_version, body, body_bytes)
overriding system value
select m.session_row_id, m.user_id,
       case when m.valid_id and m.first_of_id then m.raw_id
            else 'legacy-' || m.position || '-' || substr(md5(random()::text), 1, 8) end,
       coalesce(max(m.parsed) over (partition by m.session_row_id order by m.position
                                    rows between unbounded preceding and current row),
                '-infinity'::timestamptz),
       row_number() over (order by m.session_row_id, m.position),
       m.version, m.body, octet_length(m.body::text)
  from (select s.id as session_row_id, s.user_id, s.version, h.value as body, h.ordinality as position,
               h.value ->> 'id' as raw_id,
               coalesce(jsonb_typeof(h.value -> 'id') = 'string'
                        and (h.value ->> 'id') ~ '^[A-Za-z0-9_-]{1,64}$', false) as valid_id,
               row_number() over (partition by s.id, h.value ->> 'id' order by h.ordinality) = 1 as first_of_id,
               codebase_chat_private.legacy_timestamp(h.value ->> 'timestamp') as parsed
          from public.codebase_chat_sessions s
         cross join lateral jsonb_array_elements(
                case jsonb_typeof(s.conversation_history) when 'array' then s.conversation_history
                     else jsonb_build_array(s.conversation_history) end) with ordinality as h) as m;

do $$
declare
  n bigint;
begin
  select count(*) into n from public.codebase_chat_sessions s
   where jsonb_typeof(s.conversation_history) is distinct from 'array';
  if n > 0 then
    raise warning '% session(s) of public.codebase_chat_sessions held a conversation_history that was not an array; each now holds that value as its only message', n;
  end if;
end;
$$;

drop function codebase_chat_private.legacy_timestamp(text);

-- The identity sequence continues after the migrated rows.
do $$
begin
  perform pg_catalog.setval(pg_catalog.pg_get_serial_sequence('public.codebase_chat_messages', 'seq'),
                            coalesce((select max(seq) from public.codebase_chat_messages), 0) + 1, false);
end;
$$;

-- The counters follow the rows; the trigger that bumps version must not fire for this. A CHECK
-- constraint that old rows break (left NOT VALID by the hardening migration) would refuse the
-- update of such a row, so those constraints step aside for it and come back NOT VALID.
alter table public.codebase_chat_sessions disable trigger user;
do $$
declare
  c record;
  saved text[][] := '{}';
begin
  for c in select k.conname, pg_catalog.pg_get_constraintdef(k.oid) as definition
             from pg_catalog.pg_constraint k
            where k.conrelid = 'public.codebase_chat_sessions'::regclass and k.contype = 'c' and not k.convalidated loop
    saved := saved || array[[c.conname::text, c.definition]];
    execute format('alter table public.codebase_chat_sessions drop constraint %I', c.conname);
  end loop;
  update public.codebase_chat_sessions s
     set message_count = coalesce(c2.n, 0),
         history_bytes = coalesce(c2.bytes, 0) + 2 * coalesce(c2.n, 0),
         fields_version = s.version,
         cleared_version = s.version
    from (select s2.id, count(m.*) as n, sum(m.body_bytes) as bytes
            from public.codebase_chat_sessions s2
            left join public.codebase_chat_messages m on m.session_row_id = s2.id
           group by s2.id) as c2
   where c2.id = s.id;
  for i in 1 .. coalesce(array_length(saved, 1), 0) loop
    execute format('alter table public.codebase_chat_sessions add constraint %I %s not valid',
                   saved[i][1], regexp_replace(saved[i][2], ' NOT VALID$', ''));
  end loop;
end;
$$;
alter table public.codebase_chat_sessions enable trigger user;

-- ---------------------------------------------------------------------------------------------
-- The single value goes, with its trigger and the constraints on it.
drop trigger if exists codebase_chat_sessions_count_messages on public.codebase_chat_sessions;
drop function if exists public.codebase_chat_sessions_count_messages();
alter table public.codebase_chat_sessions drop constraint if exists codebase_chat_sessions_history_is_array;
alter table public.codebase_chat_sessions drop constraint if exists codebase_chat_sessions_history_max_bytes;
alter table public.codebase_chat_sessions drop column conversation_history;

-- A migrated row over the limit keeps it NOT VALID, as the hardening migration does.
alter table public.codebase_chat_sessions
  add constraint codebase_chat_sessions_history_max_bytes check (history_bytes <= 16777216) not valid;
do $$
begin
  alter table public.codebase_chat_sessions validate constraint codebase_chat_sessions_history_max_bytes;
exception when check_violation then
  raise warning 'existing rows of public.codebase_chat_sessions break codebase_chat_sessions_history_max_bytes; it checks new writes only until they are fixed';
end;
$$;

-- Column grants: what authenticated may write directly is the session's fields, never its history.
revoke insert, update on table public.codebase_chat_sessions from authenticated;
grant insert (session_id, user_id, repo, current_file, context_cache, metadata),
      update (session_id, user_id, repo, current_file, context_cache, metadata)
  on table public.codebase_chat_sessions to authenticated;

-- ---------------------------------------------------------------------------------------------
-- conversation_history, the computed field.
create function public.conversation_history(s public.codebase_chat_sessions)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select coalesce(jsonb_agg(m.body order by m.sent_at, m.seq), '[]'::jsonb)
    from public.codebase_chat_messages m
   where m.session_row_id = s.id;
$$;
comment on function public.conversation_history(public.codebase_chat_sessions) is
  'The session''s messages in order (timestamp, then arrival), as one JSON array.';
revoke all on function public.conversation_history(public.codebase_chat_sessions) from public, anon, authenticated, service_role;
grant execute on function public.conversation_history(public.codebase_chat_sessions) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Row maintenance.
--
-- Every update still bumps version and the timestamps; it also records in fields_version when the
-- session's fields changed. The owner of the messages follows the owner of the session.
create or replace function public.codebase_chat_sessions_before_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (new.user_id is distinct from old.user_id or new.session_id is distinct from old.session_id)
     and not exists (select 1 from pg_catalog.pg_roles r
                     where r.rolname = current_user and (r.rolbypassrls or r.rolsuper))
     and not pg_catalog.pg_has_role(current_user,
           (select c.relowner from pg_catalog.pg_class c where c.oid = tg_relid), 'MEMBER') then
    raise exception using errcode = '42501',
      message = 'user_id and session_id of a chat session cannot be changed';
  end if;
  new.version := old.version + 1;
  new.updated_at := now();
  new.last_activity := now();
  if new.repo is distinct from old.repo or new.current_file is distinct from old.current_file
     or new.context_cache is distinct from old.context_cache or new.metadata is distinct from old.metadata then
    new.fields_version := new.version;
  end if;
  return new;
end;
$$;

-- SECURITY DEFINER (nobody else writes messages), so it lives in codebase_chat_private, not in
-- an exposed schema.
create function codebase_chat_private.follow_session_owner()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.codebase_chat_messages m set user_id = new.user_id where m.session_row_id = new.id;
  return null;
end;
$$;
revoke all on function codebase_chat_private.follow_session_owner() from public, anon, authenticated, service_role;
create trigger codebase_chat_sessions_after_owner_change
  after update of user_id on public.codebase_chat_sessions
  for each row when (new.user_id is distinct from old.user_id)
  execute function codebase_chat_private.follow_session_owner();

-- ---------------------------------------------------------------------------------------------
-- The helpers that write messages and the counters that follow them. SECURITY DEFINER because
-- nobody else may write those; each one first checks that the session row belongs to the caller
-- (auth.uid()), or that the caller is service_role, so it never touches another user's session
-- whoever calls it. The calling function has already locked the row.
create function codebase_chat_private.check_writer(p_row_id uuid)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  owner uuid;
begin
  select s.user_id into owner from public.codebase_chat_sessions s where s.id = p_row_id;
  -- current_user is this function's owner here; the 'role' setting is the caller's (PostgREST's
  -- SET LOCAL ROLE).
  if not found
     or (pg_catalog.current_setting('role') is distinct from 'service_role'
         and (owner is null or owner is distinct from (select auth.uid()))) then
    raise exception using errcode = '42501', message = 'chat messages can be written only to the caller''s own session';
  end if;
  return owner;
end;
$$;

-- Inserts the batch (already checked) in order, as written by the session version p_version; a
-- message whose id the session holds, or that repeats an earlier one of the batch, is skipped.
-- Returns how many were stored and their bytes; the counters are the caller's to update. Raises
-- 22023 naming the position of a timestamp PostgreSQL cannot read (e.g. month 13, or a zone
-- offset beyond 15:59), never repeating the value.
create function codebase_chat_private.insert_messages(p_row_id uuid, p_version bigint, p_messages jsonb)
returns table (added integer, bytes bigint)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  owner uuid := codebase_chat_private.check_writer(p_row_id);
  msg jsonb;
  pos bigint;
begin
  begin
    return query
      with inserted as (
        insert into public.codebase_chat_messages
          (session_row_id, user_id, message_id, sent_at, added_version, body, body_bytes)
        select p_row_id, owner, e.value ->> 'id', (e.value ->> 'timestamp')::timestamptz, p_version, e.value,
               octet_length(e.value::text)
          from jsonb_array_elements(p_messages) with ordinality as e
         order by e.ordinality
        on conflict (session_row_id, message_id) do nothing
        returning body_bytes)
      select count(*)::integer, coalesce(sum(i.body_bytes), 0)::bigint from inserted i;
  exception when datetime_field_overflow or invalid_datetime_format or invalid_time_zone_displacement_value then
    for msg, pos in select e.value, e.ordinality - 1
                      from jsonb_array_elements(p_messages) with ordinality as e order by e.ordinality loop
      begin
        perform (msg ->> 'timestamp')::timestamptz;
      exception when datetime_field_overflow or invalid_datetime_format or invalid_time_zone_displacement_value then
        raise exception using errcode = '22023',
          message = format('p_messages[%s].timestamp is not a date-time PostgreSQL can read', pos);
      end;
    end loop;
    raise;
  end;
end;
$$;

-- One append: the new messages, the counters, repo and current_file (when not null) in one update
-- of the row, so the version moves by exactly one; no update at all when nothing changes.
create function codebase_chat_private.add_messages(
  p_row_id uuid, p_messages jsonb, p_repo text, p_current_file text)
returns table (added integer, message_count integer, version bigint, last_activity timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  session record;
  stored record;
begin
  perform codebase_chat_private.check_writer(p_row_id);
  select s.version, s.message_count, s.last_activity, s.repo, s.current_file into session
    from public.codebase_chat_sessions s where s.id = p_row_id for update;
  select * into stored from codebase_chat_private.insert_messages(p_row_id, session.version + 1, p_messages);
  if stored.added = 0
     and (p_repo is null or p_repo is not distinct from session.repo)
     and (p_current_file is null or p_current_file is not distinct from session.current_file) then
    return query select 0, session.message_count, session.version, session.last_activity;
    return;
  end if;
  return query
    update public.codebase_chat_sessions s
       set message_count = s.message_count + stored.added,
           history_bytes = s.history_bytes + stored.bytes + 2 * stored.added,
           repo = coalesce(p_repo, s.repo),
           current_file = coalesce(p_current_file, s.current_file)
     where s.id = p_row_id
    returning stored.added, s.message_count, s.version, s.last_activity;
end;
$$;

-- Removes every message of the session and records the clear; returns the new version.
create function codebase_chat_private.remove_messages(p_row_id uuid)
returns table (version bigint, last_activity timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform codebase_chat_private.check_writer(p_row_id);
  delete from public.codebase_chat_messages m where m.session_row_id = p_row_id;
  return query
    update public.codebase_chat_sessions s
       set message_count = 0, history_bytes = 0, cleared_version = s.version + 1
     where s.id = p_row_id
    returning s.version, s.last_activity;
end;
$$;

revoke all on function codebase_chat_private.check_writer(uuid) from public, anon, authenticated, service_role;
revoke all on function codebase_chat_private.insert_messages(uuid, bigint, jsonb) from public, anon, authenticated, service_role;
revoke all on function codebase_chat_private.add_messages(uuid, jsonb, text, text) from public, anon, authenticated, service_role;
revoke all on function codebase_chat_private.remove_messages(uuid) from public, anon, authenticated, service_role;
grant execute on function codebase_chat_private.insert_messages(uuid, bigint, jsonb) to service_role;
grant execute on function codebase_chat_private.add_messages(uuid, jsonb, text, text) to authenticated, service_role;
grant execute on function codebase_chat_private.remove_messages(uuid) to authenticated, service_role;
grant usage on schema codebase_chat_private to service_role;

-- Checks a batch of messages as append_chat_messages documents (20261124000100); raises 22023.
create function codebase_chat_private.check_messages(p_messages jsonb, p_at_most integer)
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  msg jsonb;
  pos bigint;
  unknown_field text;
begin
  if p_messages is null or jsonb_typeof(p_messages) <> 'array' then
    raise exception using errcode = '22023', message = 'p_messages must be a JSON array of messages';
  end if;
  if jsonb_array_length(p_messages) > p_at_most then
    raise exception using errcode = '22023', message = format('p_messages must hold at most %s messages', p_at_most);
  end if;
  for msg, pos in select e.value, e.ordinality - 1
                  from jsonb_array_elements(p_messages) with ordinality as e
                  order by e.ordinality loop
    if jsonb_typeof(msg) <> 'object' then
      raise exception using errcode = '22023',
        message = format('p_messages[%s] must be a JSON object', pos);
    end if;
    if pg_column_size(msg) > 1048576 then
      raise exception using errcode = '22023',
        message = format('p_messages[%s] must be at most 1 MiB', pos);
    end if;
    select k into unknown_field from jsonb_object_keys(msg) as k
     where k not in ('id', 'role', 'content', 'timestamp', 'code', 'metadata') limit 1;
    if unknown_field is not null then
      raise exception using errcode = '22023',
        message = format('p_messages[%s] has a field not allowed here: %s (allowed: id, role, content, timestamp, code, metadata)',
                         pos, left(unknown_field, 40));
    end if;
    if jsonb_typeof(msg -> 'id') is distinct from 'string' or (msg ->> 'id') !~ '^[A-Za-z0-9_-]{1,64}$' then
      raise exception using errcode = '22023',
        message = format('p_messages[%s].id must be a string matching ^[A-Za-z0-9_-]{1,64}$', pos);
    end if;
    if jsonb_typeof(msg -> 'role') is distinct from 'string'
       or (msg ->> 'role') not in ('user', 'assistant', 'system', 'tool') then
      raise exception using errcode = '22023',
        message = format('p_messages[%s].role must be one of user, assistant, system, tool', pos);
    end if;
    if jsonb_typeof(msg -> 'content') is distinct from 'string' then
      raise exception using errcode = '22023',
        message = format('p_messages[%s].content must be a string', pos);
    end if;
    if jsonb_typeof(msg -> 'timestamp') is distinct from 'string'
       or (msg ->> 'timestamp') !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$' then
      raise exception using errcode = '22023',
        message = format('p_messages[%s].timestamp must be an ISO-8601 date-time with zone, e.g. 2025-01-18T12:00:00.000Z', pos);
    end if;
    if msg ? 'metadata' and jsonb_typeof(msg -> 'metadata') <> 'object' then
      raise exception using errcode = '22023',
        message = format('p_messages[%s].metadata must be a JSON object', pos);
    end if;
  end loop;
end;
$$;
revoke all on function codebase_chat_private.check_messages(jsonb, integer) from public, anon, authenticated, service_role;
grant execute on function codebase_chat_private.check_messages(jsonb, integer) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- The functions clients call. Same arguments, checks, errors and answers as before
-- (20261124000100 and 20261202000000 document them); what changed is where messages go and their
-- order (by timestamp, see the top of this file).
create or replace function public.append_chat_messages(
  p_session_id text,
  p_messages jsonb,
  p_repo text default null,
  p_current_file text default null)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  caller uuid := codebase_chat_private.caller_for('append_chat_messages', p_session_id);
  inserted integer;
  row_id uuid;
  written record;
begin
  perform codebase_chat_private.check_messages(p_messages, 1000);

  -- A concurrent first append waits here for the other insert to commit, then does nothing.
  insert into public.codebase_chat_sessions (session_id, user_id, repo, current_file)
  values (p_session_id, caller, p_repo, p_current_file)
  on conflict (session_id) do nothing;
  get diagnostics inserted = row_count;

  -- Row Level Security decides which row this finds: only one of the caller's.
  select s.id into row_id
    from public.codebase_chat_sessions s
   where s.session_id = p_session_id and s.user_id = caller
     for update;
  if not found then
    raise exception using errcode = '42501',
      message = 'append_chat_messages: this session id belongs to a session the caller does not own';
  end if;

  select * into written from codebase_chat_private.add_messages(row_id, p_messages, p_repo, p_current_file);
  return jsonb_build_object('session_id', p_session_id, 'appended', written.added,
                            'message_count', written.message_count, 'version', written.version,
                            'created', inserted > 0, 'last_activity', written.last_activity);
end;
$$;

create or replace function public.clear_chat_history(p_session_id text)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  caller uuid := codebase_chat_private.caller_for('clear_chat_history', p_session_id);
  row_id uuid;
  written record;
begin
  select s.id into row_id
    from public.codebase_chat_sessions s
   where s.session_id = p_session_id and s.user_id = caller
     for update;
  if not found then
    return null;
  end if;
  select * into written from codebase_chat_private.remove_messages(row_id);
  return jsonb_build_object('session_id', p_session_id, 'message_count', 0, 'version', written.version,
                            'last_activity', written.last_activity);
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- What changed in one of the caller's sessions since a version the caller holds.
--
-- Returns null when the caller has no session with that id. Otherwise an object with the session's
-- "session_id", "version", "message_count", "created_at", "last_activity" and:
--   * "unchanged": true, when p_since_version is the current version: nothing else is sent;
--   * otherwise "reset" (true when messages the caller may hold were removed since, or the caller's
--     version is not one this session had: then "messages" is the whole history), "messages" (the
--     messages stored after p_since_version, in history order: a holder puts each where its
--     timestamp belongs, after the messages it holds with the same timestamp), and "fields" ({repo,
--     current_file, context_cache, metadata}) when one of them changed since, or on a reset.
-- The work is a range scan of what changed, not of the history.
create function public.chat_session_changes(p_session_id text, p_since_version bigint)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  caller uuid := codebase_chat_private.caller_for('chat_session_changes', p_session_id);
  session record;
  reset boolean;
  answer jsonb;
  added jsonb;
begin
  if p_since_version is null or p_since_version < 0 then
    raise exception using errcode = '22023', message = 'p_since_version must be a version (a number, 0 or more)';
  end if;
  select s.id, s.version, s.message_count, s.created_at, s.last_activity, s.fields_version, s.cleared_version,
         s.repo, s.current_file, s.context_cache, s.metadata
    into session
    from public.codebase_chat_sessions s
   where s.session_id = p_session_id and s.user_id = caller;
  if not found then
    return null;
  end if;
  answer := jsonb_build_object('session_id', p_session_id, 'version', session.version,
                               'message_count', session.message_count, 'created_at', session.created_at,
                               'last_activity', session.last_activity);
  if p_since_version = session.version then
    return answer || jsonb_build_object('unchanged', true);
  end if;
  reset := p_since_version > session.version or session.cleared_version > p_since_version;

  if reset then
    select coalesce(jsonb_agg(m.body order by m.sent_at, m.seq), '[]'::jsonb) into added
      from public.codebase_chat_messages m
     where m.session_row_id = session.id;
  else
    select coalesce(jsonb_agg(m.body order by m.sent_at, m.seq), '[]'::jsonb) into added
      from public.codebase_chat_messages m
     where m.session_row_id = session.id and m.added_version > p_since_version;
  end if;

  answer := answer || jsonb_build_object('unchanged', false, 'reset', reset, 'messages', added);
  if reset or session.fields_version > p_since_version then
    answer := answer || jsonb_build_object('fields', jsonb_build_object(
      'repo', session.repo, 'current_file', session.current_file,
      'context_cache', session.context_cache, 'metadata', session.metadata));
  end if;
  return answer;
end;
$$;
revoke all on function public.chat_session_changes(text, bigint) from public, anon, authenticated, service_role;
grant execute on function public.chat_session_changes(text, bigint) to authenticated;

-- ---------------------------------------------------------------------------------------------
-- The operator's write: for service_role only (the drain command delivering a journal).
--
-- Writes p_session ({repo, current_file, context_cache, metadata, conversation_history}; null to
-- delete the session) as session p_session_id of user p_owner, if and only if the stored row is
-- still at p_expected_version (null: there must be no row yet). Returns true when written, false
-- when the row moved meanwhile (read it again). Raises 42501 when the session id belongs to another
-- user: the owner recorded with the write is enforced here, so a drain never writes another
-- user's session. Messages the row holds that p_session also holds stay as they are; when
-- p_session holds them all, only the new ones are inserted (ordered by their timestamps).
create function public.store_chat_session_for(
  p_owner uuid,
  p_session_id text,
  p_expected_version bigint,
  p_session jsonb)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  session record;
  target_history jsonb := coalesce(p_session -> 'conversation_history', '[]'::jsonb);
  missing integer;
  stored record;
  row_id uuid;
begin
  if pg_catalog.current_setting('role') is distinct from 'service_role' then
    raise exception using errcode = '42501', message = 'store_chat_session_for is for service_role only';
  end if;
  if p_owner is null then
    raise exception using errcode = '22023', message = 'p_owner must be a user id';
  end if;
  if p_session_id is null or p_session_id !~ '^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$' then
    raise exception using errcode = '22023',
      message = 'p_session_id must match ^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$';
  end if;
  if p_session is not null then
    if jsonb_typeof(p_session) <> 'object' then
      raise exception using errcode = '22023', message = 'p_session must be a JSON object or null';
    end if;
    if jsonb_typeof(target_history) <> 'array' then
      raise exception using errcode = '22023', message = 'p_session.conversation_history must be a JSON array of messages';
    end if;
    if jsonb_array_length(target_history) > 20000 then
      raise exception using errcode = '23514',
        message = 'new row for relation "codebase_chat_sessions" violates check constraint "codebase_chat_sessions_history_max_messages"';
    end if;
  end if;

  select s.id, s.user_id, s.version into session
    from public.codebase_chat_sessions s where s.session_id = p_session_id for update;
  if found and session.user_id is distinct from p_owner then
    raise exception using errcode = '42501',
      message = 'store_chat_session_for: this session id belongs to a session of another user';
  end if;
  if (found and p_expected_version is distinct from session.version) or (not found and p_expected_version is not null) then
    return false;
  end if;

  if p_session is null then
    if found then
      delete from public.codebase_chat_sessions s where s.id = session.id;
    end if;
    return true;
  end if;

  if not found then
    -- A session created meanwhile (a concurrent store or append) is a row that moved: false.
    insert into public.codebase_chat_sessions (session_id, user_id, repo, current_file, context_cache, metadata)
    values (p_session_id, p_owner, p_session ->> 'repo', p_session ->> 'current_file',
            coalesce(p_session -> 'context_cache', '{}'::jsonb), coalesce(p_session -> 'metadata', '{}'::jsonb))
    on conflict (session_id) do nothing
    returning id, version into session;
    if not found then
      return false;
    end if;
  end if;
  row_id := session.id;

  -- Stored messages that the target no longer holds: a clear happened; start over.
  select count(*) into missing
    from public.codebase_chat_messages m
    left join (select distinct t.value ->> 'id' as id from jsonb_array_elements(target_history) t) as kept
      on kept.id = m.message_id
   where m.session_row_id = row_id and kept.id is null;
  if missing > 0 then
    perform codebase_chat_private.remove_messages(row_id);
  end if;
  perform codebase_chat_private.check_messages(target_history, 20000);
  select s.version into session.version from public.codebase_chat_sessions s where s.id = row_id;
  select * into stored from codebase_chat_private.insert_messages(row_id, session.version + 1, target_history);

  update public.codebase_chat_sessions s
     set repo = p_session ->> 'repo',
         current_file = p_session ->> 'current_file',
         context_cache = coalesce(p_session -> 'context_cache', '{}'::jsonb),
         metadata = coalesce(p_session -> 'metadata', '{}'::jsonb),
         message_count = s.message_count + stored.added,
         history_bytes = s.history_bytes + stored.bytes + 2 * stored.added
   where s.id = row_id;
  return true;
end;
$$;
revoke all on function public.store_chat_session_for(uuid, text, bigint, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.store_chat_session_for(uuid, text, bigint, jsonb) to service_role;
