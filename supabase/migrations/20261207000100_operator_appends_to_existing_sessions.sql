-- The operator's append to a session that must exist: append_chat_messages_for(…, p_create => false).
--
-- Why: 20261207000000 made an append that a client sent to a session it found (the REST route)
-- store nothing in a session deleted since. A gateway journals such an append as one that must not
-- create; when its owner has no usable token, the gateway given the service key, or the drain
-- command, delivers it through append_chat_messages_for, which created on first use and so brought
-- the deleted session back holding only that append. With p_create false the operator's append
-- finds the session under the row lock it appends under, as the owner's does.
--
-- append_chat_messages_for(p_owner, p_session_id, p_messages, p_repo, p_current_file,
-- p_create default true): with p_create true (or left out), exactly as 20261204000000 documents
-- it. With p_create false it appends only to a session that exists and belongs to p_owner; a
-- session that does not exist is answered {"session_id", "missing": true}, changing nothing, and a
-- session of another user null, changing nothing, as before. Raises 22023 when p_create is null.
-- Same checks, errors and answer otherwise; still for service_role only.

-- A new argument is a new signature: the old one goes, so that PostgREST finds one function for a
-- call with or without p_create (two would make the call ambiguous).
drop function public.append_chat_messages_for(uuid, text, jsonb, text, text);

create function public.append_chat_messages_for(
  p_owner uuid,
  p_session_id text,
  p_messages jsonb,
  p_repo text default null,
  p_current_file text default null,
  p_create boolean default true)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  answer jsonb;
begin
  if pg_catalog.current_setting('role') is distinct from 'service_role' then
    raise exception using errcode = '42501', message = 'append_chat_messages_for is for service_role only';
  end if;
  if p_owner is null then
    raise exception using errcode = '22023', message = 'p_owner must be a user id';
  end if;
  if p_session_id is null or p_session_id !~ '^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$' then
    raise exception using errcode = '22023',
      message = 'p_session_id must match ^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$';
  end if;
  if p_create is null then
    raise exception using errcode = '22023', message = 'p_create must be true or false';
  end if;
  answer := codebase_chat_private.append_as(p_owner, p_session_id, p_messages, p_repo,
                                            p_current_file, p_create);
  -- service_role bypasses Row Level Security: a row not found here does not exist.
  if answer is null and not p_create
     and not exists (select 1 from public.codebase_chat_sessions s where s.session_id = p_session_id) then
    return jsonb_build_object('session_id', p_session_id, 'missing', true);
  end if;
  return answer;
end;
$$;
revoke all on function public.append_chat_messages_for(uuid, text, jsonb, text, text, boolean) from public, anon, authenticated, service_role;
grant execute on function public.append_chat_messages_for(uuid, text, jsonb, text, text, boolean) to service_role;
