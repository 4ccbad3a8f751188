-- 20261212000000, also when the delete is still committing as the session is started again, and
-- alike whatever records are past their 7 days.
--
-- Why: the trigger that continues a deleted session's versions runs before the insert looks for
-- a conflicting row. When that row was being deleted by a transaction not yet committed, the
-- insert waited for it and then inserted, but the trigger had looked before the delete's record
-- was committed, found none, and the session counted from 0 again: an instance holding a copy of
-- the deleted session could still be told "unchanged". And a record past its 7 days that no
-- delete had forgotten yet still raised the version a later delete kept (the greater of the two),
-- where the 7 days say it no longer counts.
--
-- A trigger after every insert now looks again (a new snapshot, in which such a delete has
-- committed): a session its owner deleted at a version at least the new row's fails the insert
-- as a serialization failure (40001), which PostgREST's transaction library runs again itself
-- (and the gateway retries, as a deadlock); run again, the insert continues the versions. This
-- needs READ COMMITTED (PostgreSQL's and PostgREST's default): under REPEATABLE READ the trigger
-- sees the transaction's first snapshot. A single statement that deletes a session and inserts it
-- again (custom SQL; none of these functions) fails this way every time. A delete keeps its
-- version alone when the record it finds is past its 7 days.

create or replace function codebase_chat_private.remember_ended_version()
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
  do update set version = case when e.ended_at >= now() - codebase_chat_private.named_writes_kept()
                               then greatest(e.version, excluded.version)
                               else excluded.version end,
                ended_at = now();
  delete from codebase_chat_private.session_versions_ended e
   where (e.user_id, e.session_id) in
         (select o.user_id, o.session_id from codebase_chat_private.session_versions_ended o
           where o.ended_at < now() - codebase_chat_private.named_writes_kept()
           limit 100
           for update skip locked);
  return null;
end;
$$;

create function codebase_chat_private.check_ended_version()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.user_id is not null and exists (
       select 1 from codebase_chat_private.session_versions_ended e
        where e.user_id = new.user_id and e.session_id = new.session_id
          and e.ended_at >= now() - codebase_chat_private.named_writes_kept()
          and e.version >= new.version) then
    raise exception using errcode = '40001',
      message = 'session ' || new.session_id || ' was deleted while this write started it again',
      hint = 'Send the write again.';
  end if;
  return null;
end;
$$;
revoke all on function codebase_chat_private.check_ended_version() from public, anon, authenticated, service_role;

create trigger codebase_chat_sessions_versions_checked
  after insert on public.codebase_chat_sessions
  for each row execute function codebase_chat_private.check_ended_version();
