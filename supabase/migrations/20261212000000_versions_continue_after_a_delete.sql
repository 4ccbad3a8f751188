-- A session its owner starts again under the id of a session they deleted continues that
-- session's versions instead of counting from 0 again.
--
-- Why: a gateway that holds a copy of a session asks chat_session_changes(p_session_id,
-- p_since_version) what changed since the copy's version. When the owner deleted the session
-- (through another gateway, or a chat-memory adapter that reuses its ids) and started it again,
-- the new session went through the same version numbers: at the copy's version it answered
-- "unchanged", and past it answered the new messages as if they followed the deleted ones. The
-- gateway served the deleted conversation, or the new messages after it.
--
-- The last version of each deleted session is kept by owner and session id for 7 days
-- (codebase_chat_private.named_writes_kept, as the records of named clears and deletes), by a
-- trigger after every delete, whichever way it is made. A session its owner creates under such an
-- id starts at that version + 1, as if it had been cleared then (cleared_version and
-- fields_version too), so chat_session_changes since any version of the deleted session answers
-- the new one whole ("reset"). A session another user creates under the id starts at 0 as before
-- (Row Level Security keeps the first owner's copies from reading it). A copy held more than 7
-- days without being read again is past what this protects.

create table codebase_chat_private.session_versions_ended (
  user_id uuid not null,
  session_id text not null,
  version bigint not null,
  ended_at timestamptz not null default now(),
  primary key (user_id, session_id)
);
create index session_versions_ended_ended_at_idx
  on codebase_chat_private.session_versions_ended (ended_at);
revoke all on table codebase_chat_private.session_versions_ended from public, anon, authenticated, service_role;
-- Written and read only by the SECURITY DEFINER triggers below: no API role may reach it.
alter table codebase_chat_private.session_versions_ended enable row level security;

-- Keeps the deleted session's version (the greater, if the id was deleted before within the 7
-- days) and forgets at most 100 records past their 7 days.
create function codebase_chat_private.remember_ended_version()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.user_id is null then
    return null;
  end if;
  insert into codebase_chat_private.session_versions_ended as e (user_id, session_id, version)
  values (old.user_id, old.session_id, old.version)
  on conflict (user_id, session_id)
  do update set version = greatest(e.version, excluded.version), ended_at = now();
  delete from codebase_chat_private.session_versions_ended e
   where (e.user_id, e.session_id) in
         (select o.user_id, o.session_id from codebase_chat_private.session_versions_ended o
           where o.ended_at < now() - codebase_chat_private.named_writes_kept()
           limit 100
           for update skip locked);
  return null;
end;
$$;
revoke all on function codebase_chat_private.remember_ended_version() from public, anon, authenticated, service_role;

create trigger codebase_chat_sessions_versions_end
  after delete on public.codebase_chat_sessions
  for each row execute function codebase_chat_private.remember_ended_version();

-- A session its owner creates under an id deleted within the 7 days continues its versions.
create function codebase_chat_private.continue_ended_version()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  ended bigint;
begin
  select e.version into ended
    from codebase_chat_private.session_versions_ended e
   where e.user_id = new.user_id and e.session_id = new.session_id
     and e.ended_at >= now() - codebase_chat_private.named_writes_kept();
  if ended is not null then
    new.version := ended + 1;
    new.fields_version := ended + 1;
    new.cleared_version := ended + 1;
  end if;
  return new;
end;
$$;
revoke all on function codebase_chat_private.continue_ended_version() from public, anon, authenticated, service_role;

create trigger codebase_chat_sessions_versions_continue
  before insert on public.codebase_chat_sessions
  for each row execute function codebase_chat_private.continue_ended_version();
