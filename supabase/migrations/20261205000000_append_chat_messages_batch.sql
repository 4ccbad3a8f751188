-- One request for the appends of several sessions of one user: a gateway whose write-behind has
-- the writes of many sessions of one owner due at once (a burst) sends them together instead of
-- one request per session.
--
-- append_chat_messages_batch(p_appends) takes a JSON array of at most 100 appends, each an object
-- {"session_id": text, "messages": [...], "repo": text or null, "current_file": text or null}
-- ("repo" and "current_file" may be left out), a session id at most once, at most 1000 messages in
-- all. Each append is append_chat_messages of the caller (the JWT's sub) with those arguments:
-- same checks, same creation of a missing session, same skipping of stored message ids, through
-- the same private function (codebase_chat_private.append_as), Row Level Security applying as
-- everywhere (SECURITY INVOKER).
--
-- Atomic per session: an append the database refuses (a session id of another user, 42501; an
-- argument it cannot take, 22023 or 22001; a history that would break a limit of the table,
-- 23514) changes nothing of its session and is answered as refused; the other appends of the
-- request are stored. Every other error (a deadlock, a serialization failure, a cancelled
-- statement) fails the whole request and stores nothing, so the caller may send it again: stored
-- message ids are skipped.
--
-- Raises 42501 when the caller is not signed in; 22023, storing nothing, when p_appends is not such
-- an array (naming the first element it cannot take). Returns a JSON array with one answer per
-- append, in session id order (the order in which the rows are locked, so two requests of one user
-- never deadlock on each other): append_chat_messages' answer ({"session_id", "appended",
-- "message_count", "version", "created", "last_activity"}) or {"session_id", "refused": {"code",
-- "message"}}.
create function public.append_chat_messages_batch(p_appends jsonb)
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
     where k not in ('session_id', 'messages', 'repo', 'current_file') limit 1;
    if unknown_field is not null then
      raise exception using errcode = '22023',
        message = format('p_appends[%s] has an unknown field "%s" (allowed: session_id, messages, repo, current_file)',
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
    total := total + jsonb_array_length(item -> 'messages');
  end loop;
  if total > 1000 then
    raise exception using errcode = '22023', message = 'p_appends must hold at most 1000 messages in all';
  end if;

  for item in select e.value from jsonb_array_elements(p_appends) as e
               order by e.value ->> 'session_id' collate "C" loop
    sid := item ->> 'session_id';
    begin
      perform codebase_chat_private.caller_for('append_chat_messages_batch', sid);
      answer := codebase_chat_private.append_as(caller, sid, item -> 'messages',
                                                item ->> 'repo', item ->> 'current_file');
      if answer is null then
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
revoke all on function public.append_chat_messages_batch(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.append_chat_messages_batch(jsonb) to authenticated;
