-- The batch append answers a session id in another user's conversation namespace as refused, for
-- that session alone.
--
-- Why: 20261209000000 refuses (42501) the creation of a session whose id is in the conversation
-- namespace of another user. append_chat_messages_batch caught only the refusals of one append
-- (22023, 22001, 23514), so that 42501 failed the whole request: the caller's other appends in it,
-- to sessions of their own, were not stored, and a gateway that had acknowledged them (a journal
-- delivered after an outage sends the sessions that resume together as one batch) took the whole
-- batch for refused and set every write in it aside.
--
-- append_chat_messages_batch(p_appends): as 20261207000000 defines it, and an append whose session
-- id is in another user's namespace is answered {"session_id", "refused": {"code": "42501",
-- "message"}} while the others are stored. A caller without a user (no sub) is refused before any
-- append, with 42501, as before: inside the loop that code comes from one session alone.

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
    exception when sqlstate '22023' or sqlstate '22001' or sqlstate '23514' or sqlstate '42501' then
      answer := jsonb_build_object('session_id', sid,
                                   'refused', jsonb_build_object('code', sqlstate, 'message', sqlerrm));
    end;
    answers := answers || jsonb_build_array(answer);
  end loop;
  return answers;
end;
$$;
