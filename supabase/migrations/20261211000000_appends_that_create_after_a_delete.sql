-- An append that creates its session, racing a delete of that session, creates it again instead
-- of failing as if the session id were another user's.
--
-- Why: append_as (20261207000000) inserts the session with ON CONFLICT DO NOTHING, which takes no
-- lock on the row it conflicts with, then locks that row to append under. When a delete of the
-- session was waiting for the same lock (behind a long append) and commits first, the lock finds
-- no row: append_as answered null, which its callers report as a session id that belongs to
-- another user (42501). Through a gateway the acknowledged message was then set aside, or the
-- caller told the session does not exist.
--
-- append_as now tries the insert once more when the lock finds no row and p_create is true, as the
-- append would have created the session had it arrived after the delete. Row Level Security hides
-- another user's row from the lock as it hides a deleted one: the second insert tells them apart
-- (it inserts where the row was deleted, and conflicts again with another user's, which is then
-- answered as before). Everything else is as 20261207000000 documents it.

create or replace function codebase_chat_private.append_as(
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
  tries integer := 0;
  session record;
  written record;
begin
  perform codebase_chat_private.check_messages(p_messages, 1000);

  loop
    tries := tries + 1;
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
    exit when found or not p_create or tries = 2;
  end loop;
  if not found or session.user_id is distinct from p_owner then
    return null;
  end if;

  select * into written from codebase_chat_private.add_messages(session.id, p_messages, p_repo, p_current_file);
  return jsonb_build_object('session_id', p_session_id, 'appended', written.added,
                            'message_count', written.message_count, 'version', written.version,
                            'created', inserted > 0, 'last_activity', written.last_activity);
end;
$$;
