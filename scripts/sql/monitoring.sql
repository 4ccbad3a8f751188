-- Operational queries for public.codebase_chat_sessions and its messages,
-- public.codebase_chat_messages. Run them in the Supabase SQL editor (as postgres) or with psql
-- against the project's database; service_role sees the same rows.
-- Every query here is executed by MonitoringSqlTest against the migrated schema on PostgreSQL 15
-- and 17, so an edit that breaks one fails the build.

-- The 50 most recently active sessions with their message counts.
-- (A sequential scan plus top-N sort: no index serves it on purpose, since an index on
-- last_activity alone would be rewritten by every append for the sake of an occasional query.)
select session_id,
       user_id,
       repo,
       current_file,
       message_count,
       last_activity,
       created_at
  from public.codebase_chat_sessions
 order by last_activity desc
 limit 50;

-- How many sessions there are.
select count(*) as sessions from public.codebase_chat_sessions;

-- Sessions active in the last 24 hours.
select count(*) as active_last_24h
  from public.codebase_chat_sessions
 where last_activity > now() - interval '24 hours';

-- Size of the sessions and their messages, with their TOAST data and indexes.
select pg_size_pretty(pg_total_relation_size('public.codebase_chat_sessions')
                      + pg_total_relation_size('public.codebase_chat_messages')) as total_size;

-- Both tables exist.
select count(*) = 2 as tables_exist
  from information_schema.tables
 where table_schema = 'public' and table_name in ('codebase_chat_sessions', 'codebase_chat_messages');

-- Their policies (expected, for authenticated only: codebase_chat_messages_select_own, the only one
-- of the messages, which nobody but the chat-session functions writes; and the four *_own policies
-- of the sessions).
select policyname, tablename, cmd, roles, qual, with_check
  from pg_policies
 where schemaname = 'public' and tablename in ('codebase_chat_sessions', 'codebase_chat_messages')
 order by tablename, policyname;

-- Sessions no user can reach (user_id null, left by the original client); reassign or delete them.
select count(*) as ownerless_sessions from public.codebase_chat_sessions where user_id is null;

-- The largest histories, by their size as JSON text (the 16 MiB limit counts the same bytes);
-- the nearest to the limit come first.
select session_id,
       message_count,
       pg_size_pretty(history_bytes) as history_size
  from public.codebase_chat_sessions
 order by history_bytes desc
 limit 20;

-- CHECK constraints the upgrade migration had to leave NOT VALID because old rows break them.
select conname as not_validated_constraint
  from pg_constraint
 where conrelid = 'public.codebase_chat_sessions'::regclass and not convalidated;

-- The 50 most recently active sessions with the count taken from the history, as the original's
-- queries took it (jsonb_array_length of conversation_history): the history is now a computed
-- field over public.codebase_chat_messages, which PostgreSQL finds only through the table's name
-- or alias (s.conversation_history); unqualified, it reports that the column does not exist.
select s.session_id,
       jsonb_array_length(s.conversation_history) as messages
  from public.codebase_chat_sessions s
 order by s.last_activity desc
 limit 50;
