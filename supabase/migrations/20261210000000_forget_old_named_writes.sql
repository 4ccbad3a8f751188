-- Records of clears and deletes past their 7 days are forgotten whenever a record is added,
-- whichever way it is added.
--
-- Why: 20261208000000 and 20261208000100 forget a batch of old records only in clear_once and
-- delete_once (a named clear or delete applied to a session), and only in that write's own table.
-- A named clear or delete of a session the caller does not have records its id too (so that a try
-- sent after the session is started again changes nothing), and a signed-in user may call those
-- functions at will: such records were never forgotten, and the tables grew without bound.
--
-- An AFTER INSERT trigger per table, for each statement, forgets at most 100 records past
-- codebase_chat_private.named_writes_kept() (those another transaction is forgetting are skipped),
-- so every statement that adds records forgets up to 100 old ones: the tables hold about the
-- records of the last 7 days. SECURITY DEFINER: the tables are nobody else's, and their Row Level
-- Security lets no API role delete.

create function codebase_chat_private.forget_old_clears()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from codebase_chat_private.session_clears c
   where (c.user_id, c.session_id, c.clear_id) in
         (select o.user_id, o.session_id, o.clear_id from codebase_chat_private.session_clears o
           where o.cleared_at < now() - codebase_chat_private.named_writes_kept()
           limit 100
           for update skip locked);
  return null;
end;
$$;
revoke all on function codebase_chat_private.forget_old_clears() from public, anon, authenticated, service_role;

create trigger session_clears_forget_old
  after insert on codebase_chat_private.session_clears
  for each statement execute function codebase_chat_private.forget_old_clears();

create function codebase_chat_private.forget_old_deletes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from codebase_chat_private.session_deletes d
   where (d.user_id, d.session_id, d.delete_id) in
         (select o.user_id, o.session_id, o.delete_id from codebase_chat_private.session_deletes o
           where o.deleted_at < now() - codebase_chat_private.named_writes_kept()
           limit 100
           for update skip locked);
  return null;
end;
$$;
revoke all on function codebase_chat_private.forget_old_deletes() from public, anon, authenticated, service_role;

create trigger session_deletes_forget_old
  after insert on codebase_chat_private.session_deletes
  for each statement execute function codebase_chat_private.forget_old_deletes();
