-- A delete that can be sent again: delete_chat_session(p_session_id, p_delete_id).
--
-- Why: a delete whose answer is lost after it committed (a read timeout, a proxy's 502) is sent
-- again by the gateway's retry. If the user had meanwhile started a session under the same id
-- again (another device, another gateway: a client may choose its session ids), the delete sent
-- again removed that new session and every message stored in it. The gateway now names each delete
-- with an id it gives the delete when the user asks for it and keeps across every try; a delete
-- whose id is recorded for that session id has already been applied, so it is not applied again.
--
-- delete_chat_session(p_session_id, p_delete_id default null): with p_delete_id null (or left
-- out), exactly as before (20261124000100 documents it). Otherwise, when a delete of that session
-- id by the caller carried p_delete_id within the last 7 days, it deletes nothing and answers true
-- (or false when it found no session: a try answers as the delete did, and never deletes a session
-- started again under the id since); else as before, recording p_delete_id. A try sent later
-- than 7 days deletes again (codebase_chat_private.named_writes_kept, 20261208000000).

-- The ids of the deletes of the last 7 days, by user and session id. Updated only by delete_once
-- below; a signed-in user may read their own records and add records of their own (Row Level
-- Security), which delete_chat_session does (the latter for a session it does not find). It lives
-- in the private schema, which PostgREST does not expose.
create table codebase_chat_private.session_deletes (
  user_id uuid not null,
  session_id text not null,
  delete_id uuid not null,
  -- Whether the delete found a session to delete: what a try sent again answers.
  found boolean not null default true,
  deleted_at timestamptz not null default now(),
  primary key (user_id, session_id, delete_id)
);
create index session_deletes_deleted_at_idx on codebase_chat_private.session_deletes (deleted_at);
revoke all on table codebase_chat_private.session_deletes from public, anon, authenticated, service_role;
alter table codebase_chat_private.session_deletes enable row level security;
create policy "session_deletes: a user reads their own"
  on codebase_chat_private.session_deletes for select to authenticated
  using (user_id = (select auth.uid()));
create policy "session_deletes: a user records their own"
  on codebase_chat_private.session_deletes for insert to authenticated
  with check (user_id = (select auth.uid()));
grant select on table codebase_chat_private.session_deletes to authenticated;
grant insert (user_id, session_id, delete_id, found) on table codebase_chat_private.session_deletes to authenticated, service_role;

-- What p_owner's delete of session id p_session_id with p_delete_id answered (whether it found the
-- session), when it was applied within the last 7 days; null otherwise.
create function codebase_chat_private.delete_answered(p_owner uuid, p_session_id text, p_delete_id uuid)
returns boolean
language sql
stable
security invoker
set search_path = ''
as $$
  select d.found from codebase_chat_private.session_deletes d
   where d.user_id = p_owner and d.session_id = p_session_id and d.delete_id = p_delete_id
     and d.deleted_at >= now() - codebase_chat_private.named_writes_kept();
$$;
revoke all on function codebase_chat_private.delete_answered(uuid, text, uuid) from public, anon, authenticated, service_role;
grant execute on function codebase_chat_private.delete_answered(uuid, text, uuid) to authenticated, service_role;

-- Deletes session p_row_id and records p_delete_id (not null) for its owner and session id;
-- forgets a batch of records past their 7 days. SECURITY DEFINER (the table above is nobody
-- else's to write); check_writer first makes sure the row is the caller's. The calling function
-- has already locked the row.
create function codebase_chat_private.delete_once(p_row_id uuid, p_delete_id uuid)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  owner uuid := codebase_chat_private.check_writer(p_row_id);
  sid text;
begin
  delete from public.codebase_chat_sessions s where s.id = p_row_id returning s.session_id into sid;
  insert into codebase_chat_private.session_deletes as d (user_id, session_id, delete_id)
  values (owner, sid, p_delete_id)
  on conflict on constraint session_deletes_pkey
  do update set found = excluded.found, deleted_at = excluded.deleted_at;
  delete from codebase_chat_private.session_deletes d
   where (d.user_id, d.session_id, d.delete_id) in
         (select o.user_id, o.session_id, o.delete_id from codebase_chat_private.session_deletes o
           where o.deleted_at < now() - codebase_chat_private.named_writes_kept()
           limit 100
           for update skip locked);
end;
$$;
revoke all on function codebase_chat_private.delete_once(uuid, uuid) from public, anon, authenticated, service_role;
grant execute on function codebase_chat_private.delete_once(uuid, uuid) to authenticated;

-- A new argument is a new signature: the old one goes, so that PostgREST finds one function for a
-- call with or without p_delete_id.
drop function public.delete_chat_session(text);

create function public.delete_chat_session(p_session_id text, p_delete_id uuid default null)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  caller uuid := codebase_chat_private.caller_for('delete_chat_session', p_session_id);
  row_id uuid;
  deleted integer;
  answered boolean;
begin
  if p_delete_id is null then
    delete from public.codebase_chat_sessions s
     where s.session_id = p_session_id and s.user_id = caller;
    get diagnostics deleted = row_count;
    return deleted > 0;
  end if;
  select s.id into row_id
    from public.codebase_chat_sessions s
   where s.session_id = p_session_id and s.user_id = caller
     for update;
  -- Applied already (this is a try sent again): whatever holds the id now is not what it named.
  answered := codebase_chat_private.delete_answered(caller, p_session_id, p_delete_id);
  if answered is not null then
    return answered;
  end if;
  if row_id is null then
    -- Recorded all the same: a try of this delete that finds the session started again under the
    -- id must not delete it.
    insert into codebase_chat_private.session_deletes (user_id, session_id, delete_id, found)
    values (caller, p_session_id, p_delete_id, false)
    on conflict do nothing;
    return false;
  end if;
  perform codebase_chat_private.delete_once(row_id, p_delete_id);
  return true;
end;
$$;
revoke all on function public.delete_chat_session(text, uuid) from public, anon, authenticated, service_role;
grant execute on function public.delete_chat_session(text, uuid) to authenticated;

-- The operator's delete (a gateway given the service key, or the drain command, delivering a
-- journaled delete whose owner has no usable token): delete_chat_session_for(p_owner,
-- p_session_id, p_delete_id), for service_role only. It deletes session p_session_id of p_owner
-- once per p_delete_id (the same record as delete_chat_session's) and answers {"session_id",
-- "deleted"}: true when it deleted the session, false when there was no such session (a try sent
-- again answers as the delete did). A session of another user is answered null, changing nothing.
-- Raises 22023 for a missing owner, a malformed session id or a null p_delete_id.
create function public.delete_chat_session_for(p_owner uuid, p_session_id text, p_delete_id uuid)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  session record;
  answered boolean;
begin
  if pg_catalog.current_setting('role') is distinct from 'service_role' then
    raise exception using errcode = '42501', message = 'delete_chat_session_for is for service_role only';
  end if;
  if p_owner is null then
    raise exception using errcode = '22023', message = 'p_owner must be a user id';
  end if;
  if p_session_id is null or p_session_id !~ '^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$' then
    raise exception using errcode = '22023',
      message = 'p_session_id must match ^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$';
  end if;
  if p_delete_id is null then
    raise exception using errcode = '22023', message = 'p_delete_id must be the delete''s id';
  end if;
  select s.id, s.user_id into session
    from public.codebase_chat_sessions s
   where s.session_id = p_session_id
     for update;
  -- Applied already: whatever holds the id now is not what this delete named.
  answered := codebase_chat_private.delete_answered(p_owner, p_session_id, p_delete_id);
  if answered is not null then
    return jsonb_build_object('session_id', p_session_id, 'deleted', answered);
  end if;
  if session.id is null then
    insert into codebase_chat_private.session_deletes (user_id, session_id, delete_id, found)
    values (p_owner, p_session_id, p_delete_id, false)
    on conflict do nothing;
    return jsonb_build_object('session_id', p_session_id, 'deleted', false);
  end if;
  if session.user_id is distinct from p_owner then
    return null;
  end if;
  perform codebase_chat_private.delete_once(session.id, p_delete_id);
  return jsonb_build_object('session_id', p_session_id, 'deleted', true);
end;
$$;
revoke all on function public.delete_chat_session_for(uuid, text, uuid) from public, anon, authenticated, service_role;
grant execute on function public.delete_chat_session_for(uuid, text, uuid) to service_role;
grant execute on function codebase_chat_private.delete_once(uuid, uuid) to service_role;
grant select on table codebase_chat_private.session_deletes to service_role;
