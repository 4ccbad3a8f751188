-- What the writing functions answer, and what append_chat_messages costs.
--
-- * append_chat_messages finds the batch's duplicates and the messages the session already holds
--   by set operations, O((history + batch) · log), instead of a containment test of the whole
--   history per message and an array grown one message at a time, O(history × batch): 1000
--   messages into a session of 19 000 took 2.5 s, near the 8 s statement timeout of
--   `authenticated`.
-- * Its answer also says whether this call created the session ("created": then the session is
--   exactly what the call sent, so a writer knows its whole state without reading it back) and the
--   row's "last_activity"; clear_chat_history answers "last_activity" too.
--
-- Same arguments, checks and errors as before (20261124000100_chat_session_functions.sql
-- documents them); the answers only gain fields.

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
  msg jsonb;
  pos bigint;
  unknown_field text;
  fresh jsonb;
  stored_ids jsonb;
  inserted integer;
  session record;
  written record;
begin
  if p_messages is null or jsonb_typeof(p_messages) <> 'array' then
    raise exception using errcode = '22023', message = 'p_messages must be a JSON array of messages';
  end if;
  if jsonb_array_length(p_messages) > 1000 then
    raise exception using errcode = '22023', message = 'p_messages must hold at most 1000 messages';
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

  -- A concurrent first append waits here for the other insert to commit, then does nothing.
  insert into public.codebase_chat_sessions (session_id, user_id, repo, current_file)
  values (p_session_id, caller, p_repo, p_current_file)
  on conflict (session_id) do nothing;
  get diagnostics inserted = row_count;

  select s.id, s.conversation_history, s.repo, s.current_file, s.message_count, s.version, s.last_activity
    into session
    from public.codebase_chat_sessions s
   where s.session_id = p_session_id and s.user_id = caller
     for update;
  if not found then
    raise exception using errcode = '42501',
      message = 'append_chat_messages: this session id belongs to a session the caller does not own';
  end if;

  -- The stored ids as the keys of one JSON object, built once; each message of the batch is then a
  -- key lookup, and of messages repeated in the batch the first is kept.
  select coalesce(jsonb_object_agg(h.value ->> 'id', true), '{}'::jsonb)
    into stored_ids
    from jsonb_array_elements(session.conversation_history) as h
   where jsonb_array_length(p_messages) > 0 and h.value ->> 'id' is not null;

  select coalesce(jsonb_agg(b.value order by b.ordinality), '[]'::jsonb)
    into fresh
    from (select distinct on (e.value ->> 'id') e.value, e.ordinality
            from jsonb_array_elements(p_messages) with ordinality as e
           order by e.value ->> 'id', e.ordinality) as b
   where not stored_ids ? (b.value ->> 'id');

  if jsonb_array_length(fresh) = 0
     and (p_repo is null or p_repo is not distinct from session.repo)
     and (p_current_file is null or p_current_file is not distinct from session.current_file) then
    return jsonb_build_object('session_id', p_session_id, 'appended', 0,
                              'message_count', session.message_count, 'version', session.version,
                              'created', inserted > 0, 'last_activity', session.last_activity);
  end if;

  update public.codebase_chat_sessions s
     set conversation_history = s.conversation_history || fresh,
         repo = coalesce(p_repo, s.repo),
         current_file = coalesce(p_current_file, s.current_file)
   where s.id = session.id
  returning s.message_count, s.version, s.last_activity into written;

  return jsonb_build_object('session_id', p_session_id, 'appended', jsonb_array_length(fresh),
                            'message_count', written.message_count, 'version', written.version,
                            'created', inserted > 0, 'last_activity', written.last_activity);
end;
$$;

revoke all on function public.append_chat_messages(text, jsonb, text, text) from public, anon, authenticated, service_role;
grant execute on function public.append_chat_messages(text, jsonb, text, text) to authenticated;

-- Empties the history of one of the caller's sessions; returns {"session_id", "message_count": 0,
-- "version", "last_activity"}, or null when the caller has no session with that id.
create or replace function public.clear_chat_history(p_session_id text)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  caller uuid := codebase_chat_private.caller_for('clear_chat_history', p_session_id);
  written record;
begin
  update public.codebase_chat_sessions s
     set conversation_history = '[]'::jsonb
   where s.session_id = p_session_id and s.user_id = caller
  returning s.version, s.last_activity into written;
  if not found then
    return null;
  end if;
  return jsonb_build_object('session_id', p_session_id, 'message_count', 0, 'version', written.version,
                            'last_activity', written.last_activity);
end;
$$;

revoke all on function public.clear_chat_history(text) from public, anon, authenticated, service_role;
grant execute on function public.clear_chat_history(text) to authenticated;
