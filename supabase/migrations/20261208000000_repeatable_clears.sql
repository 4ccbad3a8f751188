-- A clear that can be sent again: clear_chat_history(p_session_id, p_clear_id).
--
-- Why: a clear whose answer is lost after it committed (a read timeout, a proxy's 502) is sent
-- again by the gateway's retry. Sent again, it erased the messages another gateway, or another
-- device of the same user, stored in between: messages already acknowledged to their writer, lost.
-- The gateway now names each clear with an id it gives the clear when the user asks for it and
-- keeps across every try; a clear whose id the session's last clear carried has already been
-- applied, so it is not applied again.
--
-- clear_chat_history(p_session_id, p_clear_id default null): with p_clear_id null (or left out),
-- exactly as before (20261203000000 documents it). Otherwise, when the session's last clear carried
-- p_clear_id, it removes nothing and changes nothing; either way it answers the session as it now
-- is: {"session_id", "message_count", "version", "last_activity"} (after a repeat, message_count
-- counts what was stored since the clear). Null, changing nothing, when the caller has no session
-- with that id. Only the last clear's id is kept, per session.

-- The id of each session's last clear. Only the functions below read or write it (no grant to the
-- API roles; it lives in the private schema).
create table codebase_chat_private.session_clears (
  session_row_id uuid primary key references public.codebase_chat_sessions (id) on delete cascade,
  clear_id uuid not null
);
revoke all on table codebase_chat_private.session_clears from public, anon, authenticated, service_role;

-- Clears session p_row_id unless its last clear carried p_clear_id (not null); records p_clear_id.
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
begin
  perform codebase_chat_private.check_writer(p_row_id);
  if p_clear_id is null
     or not exists (select 1 from codebase_chat_private.session_clears c
                    where c.session_row_id = p_row_id and c.clear_id = p_clear_id) then
    perform codebase_chat_private.remove_messages(p_row_id);
    if p_clear_id is not null then
      insert into codebase_chat_private.session_clears as c (session_row_id, clear_id)
      values (p_row_id, p_clear_id)
      on conflict on constraint session_clears_pkey do update set clear_id = excluded.clear_id;
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
