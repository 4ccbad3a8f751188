-- A clear that can be sent again: clear_chat_history(p_session_id, p_clear_id).
--
-- Why: a clear whose answer is lost after it committed (a read timeout, a proxy's 502) is sent
-- again by the gateway's retry. Sent again, it erased the messages another gateway, or another
-- device of the same user, stored in between: messages already acknowledged to their writer, lost.
-- The gateway now names each clear with an id it gives the clear when the user asks for it and
-- keeps across every try; a clear whose id is recorded for that session has already been applied,
-- so it is not applied again.
--
-- clear_chat_history(p_session_id, p_clear_id default null): with p_clear_id null (or left out),
-- exactly as before (20261203000000 documents it). Otherwise, when a clear of that session id by
-- the caller carried p_clear_id within the last 7 days, it removes nothing and changes nothing;
-- either way it answers the session as it now is: {"session_id", "message_count", "version",
-- "last_activity"} (after a repeat, message_count counts what was stored since the clear). Null,
-- changing nothing but the record of p_clear_id, when the caller has no session with that id. The
-- ids of clears are kept for 7 days (a try sent later than that clears again), by user and session
-- id, so a session deleted (or not there yet) and started again under its id is not cleared by a
-- try of a clear sent before.

-- How long the ids of clears and deletes are kept (20261208000100 uses it too).
create function codebase_chat_private.named_writes_kept()
returns interval
language sql
immutable
set search_path = ''
as $$ select interval '7 days' $$;
revoke all on function codebase_chat_private.named_writes_kept() from public, anon;
grant execute on function codebase_chat_private.named_writes_kept() to authenticated, service_role;

-- The ids of the clears of the last 7 days, by user and session id. Read and updated only by
-- clear_once below; a signed-in user may add records of their own (Row Level Security), which
-- clear_chat_history does for a session it does not find. It lives in the private schema, which
-- PostgREST does not expose.
create table codebase_chat_private.session_clears (
  user_id uuid not null,
  session_id text not null,
  clear_id uuid not null,
  cleared_at timestamptz not null default now(),
  primary key (user_id, session_id, clear_id)
);
create index session_clears_cleared_at_idx on codebase_chat_private.session_clears (cleared_at);
revoke all on table codebase_chat_private.session_clears from public, anon, authenticated, service_role;
alter table codebase_chat_private.session_clears enable row level security;
create policy "session_clears: a user records their own"
  on codebase_chat_private.session_clears for insert to authenticated
  with check (user_id = (select auth.uid()));
grant insert (user_id, session_id, clear_id) on table codebase_chat_private.session_clears to authenticated, service_role;

-- Clears session p_row_id unless a clear of its owner and session id carried p_clear_id (not null)
-- within the last 7 days; records p_clear_id and forgets a batch of records past those 7 days.
-- Returns the row's version, last_activity and message_count afterwards. SECURITY DEFINER (the
-- table above is nobody else's); check_writer first makes sure the row is the caller's. The
-- calling function has already locked the row.
create function codebase_chat_private.clear_once(p_row_id uuid, p_clear_id uuid)
returns table (version bigint, last_activity timestamptz, message_count integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  owner uuid := codebase_chat_private.check_writer(p_row_id);
  sid text;
begin
  select s.session_id into sid from public.codebase_chat_sessions s where s.id = p_row_id;
  if p_clear_id is null
     or not exists (select 1 from codebase_chat_private.session_clears c
                    where c.user_id = owner and c.session_id = sid and c.clear_id = p_clear_id
                      and c.cleared_at >= now() - codebase_chat_private.named_writes_kept()) then
    perform codebase_chat_private.remove_messages(p_row_id);
    if p_clear_id is not null then
      insert into codebase_chat_private.session_clears as c (user_id, session_id, clear_id)
      values (owner, sid, p_clear_id)
      on conflict on constraint session_clears_pkey do update set cleared_at = excluded.cleared_at;
      delete from codebase_chat_private.session_clears c
       where (c.user_id, c.session_id, c.clear_id) in
             (select o.user_id, o.session_id, o.clear_id from codebase_chat_private.session_clears o
               where o.cleared_at < now() - codebase_chat_private.named_writes_kept()
               limit 100
               for update skip locked);
    end if;
  end if;
  return query
    select s.version, s.last_activity, s.message_count
      from public.codebase_chat_sessions s
     where s.id = p_row_id;
end;
$$;
revoke all on function codebase_chat_private.clear_once(uuid, uuid) from public, anon, authenticated, service_role;
grant execute on function codebase_chat_private.clear_once(uuid, uuid) to authenticated;

-- A new argument is a new signature: the old one goes, so that PostgREST finds one function for a
-- call with or without p_clear_id.
drop function public.clear_chat_history(text);

create function public.clear_chat_history(p_session_id text, p_clear_id uuid default null)
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
    -- Recorded all the same: a try of this clear that finds the session started again under the
    -- id must not clear it.
    if p_clear_id is not null then
      insert into codebase_chat_private.session_clears (user_id, session_id, clear_id)
      values (caller, p_session_id, p_clear_id)
      on conflict do nothing;
    end if;
    return null;
  end if;
  select * into written from codebase_chat_private.clear_once(row_id, p_clear_id);
  return jsonb_build_object('session_id', p_session_id, 'message_count', written.message_count,
                            'version', written.version, 'last_activity', written.last_activity);
end;
$$;
revoke all on function public.clear_chat_history(text, uuid) from public, anon, authenticated, service_role;
grant execute on function public.clear_chat_history(text, uuid) to authenticated;

-- The operator's clear (a gateway given the service key, or the drain command, delivering a
-- journaled clear whose owner has no usable token): clear_chat_history_for(p_owner, p_session_id,
-- p_clear_id), for service_role only. It clears session p_session_id of p_owner as
-- clear_chat_history does, once per p_clear_id, and answers the same object; a session that does
-- not exist is answered {"session_id", "missing": true} and a session of another user null, both
-- changing nothing. Raises 22023 for a missing owner, a malformed session id or a null p_clear_id.
create function public.clear_chat_history_for(p_owner uuid, p_session_id text, p_clear_id uuid)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  session record;
  written record;
begin
  if pg_catalog.current_setting('role') is distinct from 'service_role' then
    raise exception using errcode = '42501', message = 'clear_chat_history_for is for service_role only';
  end if;
  if p_owner is null then
    raise exception using errcode = '22023', message = 'p_owner must be a user id';
  end if;
  if p_session_id is null or p_session_id !~ '^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$' then
    raise exception using errcode = '22023',
      message = 'p_session_id must match ^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$';
  end if;
  if p_clear_id is null then
    raise exception using errcode = '22023', message = 'p_clear_id must be the clear''s id';
  end if;
  -- service_role bypasses Row Level Security: a row not found here does not exist.
  select s.id, s.user_id into session
    from public.codebase_chat_sessions s
   where s.session_id = p_session_id
     for update;
  if not found then
    insert into codebase_chat_private.session_clears (user_id, session_id, clear_id)
    values (p_owner, p_session_id, p_clear_id)
    on conflict do nothing;
    return jsonb_build_object('session_id', p_session_id, 'missing', true);
  end if;
  if session.user_id is distinct from p_owner then
    return null;
  end if;
  select * into written from codebase_chat_private.clear_once(session.id, p_clear_id);
  return jsonb_build_object('session_id', p_session_id, 'message_count', written.message_count,
                            'version', written.version, 'last_activity', written.last_activity);
end;
$$;
revoke all on function public.clear_chat_history_for(uuid, text, uuid) from public, anon, authenticated, service_role;
grant execute on function public.clear_chat_history_for(uuid, text, uuid) to service_role;
grant execute on function codebase_chat_private.clear_once(uuid, uuid) to service_role;
