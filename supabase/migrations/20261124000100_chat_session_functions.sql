-- Row maintenance for public.codebase_chat_sessions and the functions clients call through
-- PostgREST (POST /rest/v1/rpc/<name>).
--
-- Every function here is SECURITY INVOKER with an empty search_path (everything is schema-qualified):
-- it runs with the caller's privileges, so Row Level Security applies to it exactly as to a
-- direct request. Only `authenticated` may execute the RPC functions; `anon` and `service_role`
-- get a 42501 "permission denied for function".
--
-- Errors the RPC functions raise (PostgREST status in brackets):
--   42501 [403]  the caller is not signed in (no `sub` in the JWT), or, for append_chat_messages,
--                the session id is taken by a session the caller does not own (another user's or
--                an ownerless one: the same message for both). Like the unique key it rests on, this
--                tells only that the id is taken, never whose session it is or what it holds; the
--                gateway's ids carry 130 random bits, so they cannot be guessed.
--   22023 [400]  an argument is malformed; the message names the argument, the message's position
--                (0-based) and field, and the rule, and never repeats the offending value.
--   23514 [400]  a table CHECK constraint (named in the message) would be broken, e.g. the history
--                would exceed 20000 messages or 16 MiB.
-- clear_chat_history returns null and delete_chat_session returns false when no session of the
-- caller has that id: to a user, someone else's session is indistinguishable from a missing one.

-- message_count follows the history on every write that touches it, whatever the path.
create or replace function public.codebase_chat_sessions_count_messages()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- A non-array is left to the codebase_chat_sessions_history_is_array constraint to report.
  new.message_count := case jsonb_typeof(new.conversation_history)
                         when 'array' then jsonb_array_length(new.conversation_history)
                         else 0 end;
  return new;
end;
$$;

-- Every update bumps version and the timestamps; only roles that bypass RLS (service_role, a
-- superuser) or own the table (postgres, which runs migrations and the SQL editor) may move a
-- session to another user or rename it.
create or replace function public.codebase_chat_sessions_before_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (new.user_id is distinct from old.user_id or new.session_id is distinct from old.session_id)
     and not exists (select 1 from pg_catalog.pg_roles r
                     where r.rolname = current_user and (r.rolbypassrls or r.rolsuper))
     and not pg_catalog.pg_has_role(current_user,
           (select c.relowner from pg_catalog.pg_class c where c.oid = tg_relid), 'MEMBER') then
    raise exception using errcode = '42501',
      message = 'user_id and session_id of a chat session cannot be changed';
  end if;
  new.version := old.version + 1;
  new.updated_at := now();
  new.last_activity := now();
  return new;
end;
$$;

drop trigger if exists codebase_chat_sessions_count_messages on public.codebase_chat_sessions;
create trigger codebase_chat_sessions_count_messages
  before insert or update of conversation_history, message_count on public.codebase_chat_sessions
  for each row execute function public.codebase_chat_sessions_count_messages();

drop trigger if exists codebase_chat_sessions_before_update on public.codebase_chat_sessions;
create trigger codebase_chat_sessions_before_update
  before update on public.codebase_chat_sessions
  for each row execute function public.codebase_chat_sessions_before_update();

revoke all on function public.codebase_chat_sessions_count_messages() from public, anon, authenticated, service_role;
revoke all on function public.codebase_chat_sessions_before_update() from public, anon, authenticated, service_role;

-- Helpers live in a schema PostgREST does not expose, so they are not RPC endpoints.
create schema if not exists codebase_chat_private;
revoke all on schema codebase_chat_private from public;
grant usage on schema codebase_chat_private to authenticated;

-- The checks every RPC function starts with: returns the caller's user id, or raises 42501 when
-- the request carries no user and 22023 when p_session_id is not a valid session id.
create or replace function codebase_chat_private.caller_for(p_function text, p_session_id text)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
begin
  if caller is null then
    raise exception using errcode = '42501',
      message = p_function || ' needs a signed-in user (the JWT has no sub)';
  end if;
  if p_session_id is null or p_session_id !~ '^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$' then
    raise exception using errcode = '22023',
      message = 'p_session_id must match ^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$';
  end if;
  return caller;
end;
$$;
revoke all on function codebase_chat_private.caller_for(text, text) from public, anon, authenticated, service_role;
grant execute on function codebase_chat_private.caller_for(text, text) to authenticated;

-- Appends messages to a session, creating it (owned by the caller) on first use.
--
-- p_messages is a JSON array of at most 1000 messages, each an object with exactly these fields:
--   id         string, ^[A-Za-z0-9_-]{1,64}$, unique within the session
--   role       "user" | "assistant" | "system" | "tool"
--   content    string
--   timestamp  ISO-8601 date-time string with seconds and zone, e.g. "2025-01-18T12:00:00.000Z"
--   code       optional, any JSON
--   metadata   optional, a JSON object
-- and at most 1 MiB. Messages are appended in the order given; a message whose id is already
-- stored, or repeated earlier in the batch, is skipped, so retrying a request whose answer was lost
-- stores nothing twice. p_repo and p_current_file, when not null, replace the stored values.
--
-- Atomic: the session row is locked for the duration, so concurrent appends to one session are
-- serialised and none is lost. Returns {"session_id", "appended" (new messages stored),
-- "message_count", "version"}; a version that moved by more than one since the caller's last
-- write means another writer got in between.
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
  batch_ids text[] := '{}';
  candidates jsonb := '[]'::jsonb;
  fresh jsonb;
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
    if not (msg ->> 'id') = any (batch_ids) then
      batch_ids := batch_ids || (msg ->> 'id');
      candidates := candidates || jsonb_build_array(msg);
    end if;
  end loop;

  -- A concurrent first append waits here for the other insert to commit, then does nothing.
  insert into public.codebase_chat_sessions (session_id, user_id, repo, current_file)
  values (p_session_id, caller, p_repo, p_current_file)
  on conflict (session_id) do nothing;

  select s.id, s.conversation_history, s.repo, s.current_file, s.message_count, s.version
    into session
    from public.codebase_chat_sessions s
   where s.session_id = p_session_id and s.user_id = caller
     for update;
  if not found then
    raise exception using errcode = '42501',
      message = 'append_chat_messages: this session id belongs to a session the caller does not own';
  end if;

  select coalesce(jsonb_agg(c.value order by c.ordinality), '[]'::jsonb)
    into fresh
    from jsonb_array_elements(candidates) with ordinality as c
   where not session.conversation_history @> jsonb_build_array(jsonb_build_object('id', c.value -> 'id'));

  if jsonb_array_length(fresh) = 0
     and (p_repo is null or p_repo is not distinct from session.repo)
     and (p_current_file is null or p_current_file is not distinct from session.current_file) then
    return jsonb_build_object('session_id', p_session_id, 'appended', 0,
                              'message_count', session.message_count, 'version', session.version);
  end if;

  update public.codebase_chat_sessions s
     set conversation_history = s.conversation_history || fresh,
         repo = coalesce(p_repo, s.repo),
         current_file = coalesce(p_current_file, s.current_file)
   where s.id = session.id
  returning s.message_count, s.version into written;

  return jsonb_build_object('session_id', p_session_id, 'appended', jsonb_array_length(fresh),
                            'message_count', written.message_count, 'version', written.version);
end;
$$;

-- Empties the history of one of the caller's sessions; returns {"session_id", "message_count": 0,
-- "version"}, or null when the caller has no session with that id.
create or replace function public.clear_chat_history(p_session_id text)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  caller uuid := codebase_chat_private.caller_for('clear_chat_history', p_session_id);
  new_version bigint;
begin
  update public.codebase_chat_sessions s
     set conversation_history = '[]'::jsonb
   where s.session_id = p_session_id and s.user_id = caller
  returning s.version into new_version;
  if not found then
    return null;
  end if;
  return jsonb_build_object('session_id', p_session_id, 'message_count', 0, 'version', new_version);
end;
$$;

-- Deletes one of the caller's sessions; true if it existed, false when the caller has no session
-- with that id.
create or replace function public.delete_chat_session(p_session_id text)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  caller uuid := codebase_chat_private.caller_for('delete_chat_session', p_session_id);
  deleted integer;
begin
  delete from public.codebase_chat_sessions s
   where s.session_id = p_session_id and s.user_id = caller;
  get diagnostics deleted = row_count;
  return deleted > 0;
end;
$$;

revoke all on function public.append_chat_messages(text, jsonb, text, text) from public, anon, authenticated, service_role;
revoke all on function public.clear_chat_history(text) from public, anon, authenticated, service_role;
revoke all on function public.delete_chat_session(text) from public, anon, authenticated, service_role;
grant execute on function public.append_chat_messages(text, jsonb, text, text) to authenticated;
grant execute on function public.clear_chat_history(text) to authenticated;
grant execute on function public.delete_chat_session(text) to authenticated;
