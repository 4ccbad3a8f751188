-- An append that acts only on a session that exists: append_chat_messages(…, p_create => false)
-- and the batch's {"create": false}.
--
-- Why: an append creates its session on first use, so an append that a client sends to a session
-- it found (POST /v1/sessions/{id}/messages, which answers 404 for a missing session) and that
-- reaches the database after a delete of that session, through another gateway or in a race
-- within one, brought the deleted session back holding only that append. With p_create false the
-- append finds the session under the row lock it appends under, so a delete committed before it
-- wins: nothing is created and the answer says the session is missing.
--
-- append_chat_messages(p_session_id, p_messages, p_repo, p_current_file, p_create default true):
-- with p_create true (or left out), exactly as before (20261124000100, 20261202000000 and
-- 20261204000000 document it). With p_create false it appends only to a session of the caller
-- that exists and answers null, changing nothing, when the caller has none with that id (missing,
-- or another user's: Row Level Security shows neither, and the answer tells them apart no more
-- than a read does). Same checks, errors and answer otherwise.
--
-- append_chat_messages_batch: an append may carry "create": false (a JSON boolean; true or left
-- out, as before); such an append to a session the caller does not have is answered
-- {"session_id", "missing": true} and changes nothing. The rest of 20261205000000 holds.
--
-- append_chat_messages_for (the operator's append) still creates on first use.

-- The shared append gains p_create. Its callers that do not pass it (append_chat_messages_for)
-- keep creating on first use through the default.
drop function codebase_chat_private.append_as(uuid, text, jsonb, text, text);

-- Appends p_messages (checked here, at most 1000) to session p_session_id of p_owner, creating it
-- for p_owner when absent and p_create is true, and returns the answer ({"session_id", "appended",
-- "message_count", "version", "created", "last_activity"}). Returns null, changing nothing, when
-- the session id belongs to someone else, and when p_create is false and p_owner has no such
-- session. The caller has checked p_owner and p_session_id. SECURITY INVOKER: for authenticated,
-- Row Level Security also hides every row but the caller's own.
create function codebase_chat_private.append_as(
  p_owner uuid, p_session_id text, p_messages jsonb, p_repo text, p_current_file text,
  p_create boolean default true)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  inserted integer := 0;
  session record;
  written record;
begin
  perform codebase_chat_private.check_messages(p_messages, 1000);

  if p_create then
    -- A concurrent first append waits here for the other insert to commit, then does nothing.
    insert into public.codebase_chat_sessions (session_id, user_id, repo, current_file)
    values (p_session_id, p_owner, p_repo, p_current_file)
    on conflict (session_id) do nothing;
    get diagnostics inserted = row_count;
  end if;

  -- A delete that committed before this lock was taken leaves nothing to find.
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
revoke all on function codebase_chat_private.append_as(uuid, text, jsonb, text, text, boolean) from public, anon, authenticated, service_role;
grant execute on function codebase_chat_private.append_as(uuid, text, jsonb, text, text, boolean) to authenticated, service_role;

-- A new argument is a new signature: the old one goes, so that PostgREST finds one function for a
-- call with or without p_create (two would make the call ambiguous).
drop function public.append_chat_messages(text, jsonb, text, text);

create function public.append_chat_messages(
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
  caller uuid := codebase_chat_private.caller_for('append_chat_messages', p_session_id);
  answer jsonb;
begin
  if p_create is null then
    raise exception using errcode = '22023', message = 'p_create must be true or false';
  end if;
  answer := codebase_chat_private.append_as(caller, p_session_id, p_messages, p_repo,
                                            p_current_file, p_create);
  if answer is null and p_create then
    raise exception using errcode = '42501',
      message = 'append_chat_messages: this session id belongs to a session the caller does not own';
  end if;
  return answer;
end;
$$;
revoke all on function public.append_chat_messages(text, jsonb, text, text, boolean) from public, anon, authenticated, service_role;
grant execute on function public.append_chat_messages(text, jsonb, text, text, boolean) to authenticated;

-- The batch as 20261205000000 defines it, with "create" read and passed on.
create or replace function public.append_chat_messages_batch(p_appends jsonb)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  item jsonb;
  pos bigint;
  unknown_field text;
  sid text;
  seen text[] := '{}';
  total integer := 0;
  creates boolean;
  answer jsonb;
  answers jsonb := '[]'::jsonb;
begin
  if caller is null then
    raise exception using errcode = '42501',
      message = 'append_chat_messages_batch needs a signed-in user (the JWT has no sub)';
  end if;
  if p_appends is null or jsonb_typeof(p_appends) <> 'array' then
    raise exception using errcode = '22023', message = 'p_appends must be a JSON array of appends';
  end if;
  if jsonb_array_length(p_appends) > 100 then
    raise exception using errcode = '22023', message = 'p_appends must hold at most 100 appends';
  end if;

  -- The shape of the whole request first: a malformed request stores nothing.
  for item, pos in select e.value, e.ordinality - 1
                  from jsonb_array_elements(p_appends) with ordinality as e
                 order by e.ordinality loop
    if jsonb_typeof(item) <> 'object' then
      raise exception using errcode = '22023', message = format('p_appends[%s] must be a JSON object', pos);
    end if;
    select k into unknown_field from jsonb_object_keys(item) as k
     where k not in ('session_id', 'messages', 'repo', 'current_file', 'create') limit 1;
    if unknown_field is not null then
      raise exception using errcode = '22023',
        message = format('p_appends[%s] has an unknown field "%s" (allowed: session_id, messages, repo, current_file, create)',
                         pos, unknown_field);
    end if;
    if jsonb_typeof(item -> 'session_id') is distinct from 'string' then
      raise exception using errcode = '22023', message = format('p_appends[%s].session_id must be a string', pos);
    end if;
    sid := item ->> 'session_id';
    if sid = any (seen) then
      raise exception using errcode = '22023',
        message = format('p_appends[%s].session_id repeats a session of the request: each session at most once', pos);
    end if;
    seen := seen || sid;
    if jsonb_typeof(item -> 'messages') is distinct from 'array' then
      raise exception using errcode = '22023', message = format('p_appends[%s].messages must be a JSON array of messages', pos);
    end if;
    if coalesce(jsonb_typeof(item -> 'repo'), 'null') not in ('string', 'null')
       or coalesce(jsonb_typeof(item -> 'current_file'), 'null') not in ('string', 'null') then
      raise exception using errcode = '22023',
        message = format('p_appends[%s].repo and .current_file must be strings or null', pos);
    end if;
    if coalesce(jsonb_typeof(item -> 'create'), 'boolean') <> 'boolean' then
      raise exception using errcode = '22023',
        message = format('p_appends[%s].create must be true or false', pos);
    end if;
    total := total + jsonb_array_length(item -> 'messages');
  end loop;
  if total > 1000 then
    raise exception using errcode = '22023', message = 'p_appends must hold at most 1000 messages in all';
  end if;

  for item in select e.value from jsonb_array_elements(p_appends) as e
               order by e.value ->> 'session_id' collate "C" loop
    sid := item ->> 'session_id';
    creates := coalesce((item -> 'create')::boolean, true);
    begin
      perform codebase_chat_private.caller_for('append_chat_messages_batch', sid);
      answer := codebase_chat_private.append_as(caller, sid, item -> 'messages',
                                                item ->> 'repo', item ->> 'current_file', creates);
      if answer is null and not creates then
        answer := jsonb_build_object('session_id', sid, 'missing', true);
      elsif answer is null then
        answer := jsonb_build_object('session_id', sid, 'refused', jsonb_build_object(
          'code', '42501',
          'message', 'append_chat_messages_batch: this session id belongs to a session the caller does not own'));
      end if;
    exception when sqlstate '22023' or sqlstate '22001' or sqlstate '23514' then
      answer := jsonb_build_object('session_id', sid,
                                   'refused', jsonb_build_object('code', sqlstate, 'message', sqlerrm));
    end;
    answers := answers || jsonb_build_array(answer);
  end loop;
  return answers;
end;
$$;
