-- The operator's append: for service_role only (a gateway given the service key delivering a
-- journal backlog whose owners have no usable token, and the drain command).
--
-- Why a second operator function: store_chat_session_for writes a whole session and only if the
-- row is still at the version read, which a busy session (its owner appending through other
-- gateway instances) may never be for long; a backlog made of appends alone needs no version at
-- all, since an append adds each message where its timestamp puts it and skips message ids the
-- session holds. So this is append_chat_messages with the owner given instead of taken from the
-- JWT: the owner recorded with the journaled write (verified when the write was acknowledged) is
-- enforced here, whatever the caller read before.
--
-- Appends p_messages (checked as append_chat_messages checks them, at most 1000) to session
-- p_session_id of user p_owner, creating it for p_owner when absent; p_repo and p_current_file move
-- those fields when not null. Returns append_chat_messages' answer ({"session_id", "appended",
-- "message_count", "version", "created", "last_activity"}), or null, changing nothing, when the
-- session id belongs to another user (or to nobody: a session whose owner was deleted). Raises
-- 42501 for every role but service_role, 22023 for an argument it cannot take, 23514 when the
-- history would break the table's limit of 20000 messages.
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
declare
  inserted integer;
  session record;
  written record;
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
  if session.user_id is distinct from p_owner then
    return null;
  end if;

  select * into written from codebase_chat_private.add_messages(session.id, p_messages, p_repo, p_current_file);
  return jsonb_build_object('session_id', p_session_id, 'appended', written.added,
                            'message_count', written.message_count, 'version', written.version,
                            'created', inserted > 0, 'last_activity', written.last_activity);
end;
$$;
revoke all on function public.append_chat_messages_for(uuid, text, jsonb, text, text) from public, anon, authenticated, service_role;
grant execute on function public.append_chat_messages_for(uuid, text, jsonb, text, text) to service_role;
