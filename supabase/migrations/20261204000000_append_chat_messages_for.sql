-- The operator's append: for service_role only (a gateway given the service key delivering a
-- journal backlog whose owners have no usable token, and the drain command).
--
-- Why a second operator function: store_chat_session_for writes a whole session and only if the
-- row is still at the version read, which a busy session (its owner appending through other
-- gateway instances) may never be for long; a backlog made of appends alone needs no version at
-- all, since an append adds each message where its timestamp puts it and skips message ids the
-- session holds. So this is append_chat_messages with the owner given instead of taken from the
-- JWT: the owner recorded with the journaled write (verified when the write was acknowledged) is
-- enforced here, whatever the caller read before. Both functions append through one private
-- function, codebase_chat_private.append_as (below), so the append has one definition.
--
-- Appends p_messages (checked as append_chat_messages checks them, at most 1000) to session
-- p_session_id of user p_owner, creating it for p_owner when absent; p_repo and p_current_file move
-- those fields when not null. Returns append_chat_messages' answer ({"session_id", "appended",
-- "message_count", "version", "created", "last_activity"}), or null, changing nothing, when the
-- session id belongs to another user (or to nobody: a session whose owner was deleted). Raises
-- 42501 for every role but service_role, 22023 for an argument it cannot take, 23514 when the
-- history would break the table's limit of 20000 messages.
-- The append itself, shared by both functions: appends p_messages (checked here, at most 1000) to
-- session p_session_id of p_owner, creating it for p_owner when absent, and returns the answer
-- ({"session_id", "appended", "message_count", "version", "created", "last_activity"}), or null,
-- changing nothing, when the session id belongs to someone else. The caller has checked p_owner
-- and p_session_id. SECURITY INVOKER: for authenticated, Row Level Security also hides every row
-- but the caller's own.
create function codebase_chat_private.append_as(
  p_owner uuid, p_session_id text, p_messages jsonb, p_repo text, p_current_file text)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  inserted integer;
  session record;
  written record;
begin
  perform codebase_chat_private.check_messages(p_messages, 1000);

  -- A concurrent first append waits here for the other insert to commit, then does nothing.
  insert into public.codebase_chat_sessions (session_id, user_id, repo, current_file)
  values (p_session_id, p_owner, p_repo, p_current_file)
  on conflict (session_id) do nothing;
  get diagnostics inserted = row_count;

  select s.id, s.user_id into session
    from public.codebase_chat_sessions s
   where s.session_id = p_session_id
     for update;
  if not found or session.user_id is distinct from p_owner then
    return null;
  end if;

  select * into written from codebase_chat_private.add_messages(session.id, p_messages, p_repo, p_current_file);
  return jsonb_build_object('session_id', p_session_id, 'appended', written.added,
                            'message_count', written.message_count, 'version', written.version,
                            'created', inserted > 0, 'last_activity', written.last_activity);
end;
$$;
revoke all on function codebase_chat_private.append_as(uuid, text, jsonb, text, text) from public, anon, authenticated, service_role;
grant execute on function codebase_chat_private.append_as(uuid, text, jsonb, text, text) to authenticated, service_role;

-- append_chat_messages as 20261124000100 and 20261202000000 document it (same arguments, checks,
-- errors and answer), now through the shared append.
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
  answer jsonb := codebase_chat_private.append_as(caller, p_session_id, p_messages, p_repo, p_current_file);
begin
  if answer is null then
    raise exception using errcode = '42501',
      message = 'append_chat_messages: this session id belongs to a session the caller does not own';
  end if;
  return answer;
end;
$$;

create function public.append_chat_messages_for(
  p_owner uuid,
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
  return codebase_chat_private.append_as(p_owner, p_session_id, p_messages, p_repo, p_current_file);
end;
$$;
revoke all on function public.append_chat_messages_for(uuid, text, jsonb, text, text) from public, anon, authenticated, service_role;
grant execute on function public.append_chat_messages_for(uuid, text, jsonb, text, text) to service_role;
