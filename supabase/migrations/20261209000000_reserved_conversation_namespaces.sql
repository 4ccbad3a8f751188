-- Conversation namespaces belong to their users: a session id chat-<16 digits>-<name> is created
-- only by the user whose namespace the 16 digits are.
--
-- Why: the chat-memory adapters (LangChain4j, Spring AI) name a user's conversation "default" (or
-- "1", or any name an application picks) chat-<the user's 16 digits>-<the name, encoded>, where
-- the digits are the first 8 bytes of SHA-256 of the user id: anyone who knows a user's id can work
-- out the session id of their "default" conversation. Session ids are unique across users, so
-- another user who created a session under it first (through the gateway's create-if-absent, say)
-- made every later write of that conversation fail as an id the user does not own, for as long as
-- they kept it. The ids the gateway gives out carry 13 digits (a time in milliseconds) and 130
-- random bits; only the adapters' ids carry 16.
--
-- A BEFORE INSERT trigger, so every way a session is created is covered (a direct insert, the
-- functions' insert … on conflict, the service role's functions, which insert for the owner they
-- are given): a row whose session id has 16 digits that are not its owner's namespace, proposed
-- when the caller sees no session under that id, is refused with 42501 (PostgREST 403), the code
-- under which a session id the caller does not own is already refused. The trigger runs for every
-- role. A session the caller does see goes on as before: PostgreSQL runs the trigger for the row
-- an insert … on conflict proposes even when the session exists, and a session stored before this
-- migration under 16 digits of its own choosing (a time in microseconds, say) keeps taking its
-- owner's appends; another user, who does not see it (Row Level Security), is refused as before.
--
-- codebase_chat_private.conversation_namespace(user_id) is the one definition of the digits in SQL;
-- dev.codebasechat.schema.SessionTableRules.conversationNamespace is the same in Java (the contract
-- suite checks that both agree).

create function codebase_chat_private.conversation_namespace(p_user uuid)
returns text
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select pg_catalog.lpad(
           (sum(pg_catalog.get_byte(d.h, b.i)::numeric * (256::numeric ^ (7 - b.i)))
              % 10000000000000000::numeric)::bigint::text,
           16, '0')
    from (select pg_catalog.sha256(pg_catalog.convert_to(pg_catalog.lower(p_user::text), 'UTF8')) as h) d,
         pg_catalog.generate_series(0, 7) as b(i)
$$;

revoke all on function codebase_chat_private.conversation_namespace(uuid) from public, anon;
grant execute on function codebase_chat_private.conversation_namespace(uuid) to authenticated, service_role;

create function codebase_chat_private.session_in_owners_namespace()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.session_id ~ '^chat-[0-9]{16}-'
     and pg_catalog.substr(new.session_id, 6, 16)
         is distinct from codebase_chat_private.conversation_namespace(new.user_id)
     and not exists (select 1 from public.codebase_chat_sessions s
                      where s.session_id = new.session_id) then
    raise exception using errcode = '42501',
      message = 'this session id is in the conversation namespace of another user';
  end if;
  return new;
end;
$$;

revoke all on function codebase_chat_private.session_in_owners_namespace() from public, anon;
grant execute on function codebase_chat_private.session_in_owners_namespace() to authenticated, service_role;

create trigger codebase_chat_sessions_namespace
  before insert on public.codebase_chat_sessions
  for each row execute function codebase_chat_private.session_in_owners_namespace();
