-- Operational queries for public.codebase_chat_sessions. Run them in the Supabase SQL editor (as
-- postgres) or with psql against the project's database; service_role sees the same rows.
-- Every query here is executed by MonitoringSqlTest against the migrated schema on PostgreSQL 15
-- and 17, so an edit that breaks one fails the build.

-- The 50 most recently active sessions with their message counts.
-- (A sequential scan plus top-N sort: no index serves it on purpose, since an index on
-- last_activity alone would be rewritten by every append for the sake of an occasional query.)
select session_id,
       user_id,
       repo,
       current_file,
       jsonb_array_length(conversation_history) as message_count,
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

-- Size of the table with its TOAST data and indexes.
select pg_size_pretty(pg_total_relation_size('public.codebase_chat_sessions')) as total_size;

-- The table exists.
select exists (select 1
                 from information_schema.tables
                where table_schema = 'public' and table_name = 'codebase_chat_sessions') as table_exists;

-- Its policies (expected: the four *_own policies, for authenticated only).
select policyname, cmd, roles, qual, with_check
  from pg_policies
 where schemaname = 'public' and tablename = 'codebase_chat_sessions'
 order by policyname;

-- Sessions no user can reach (user_id null, left by the original client); reassign or delete them.
select count(*) as ownerless_sessions from public.codebase_chat_sessions where user_id is null;

-- The largest histories: every append rewrites the whole value, so these are the slowest to append to.
select session_id,
       message_count,
       pg_size_pretty(pg_column_size(conversation_history)::bigint) as history_size
  from public.codebase_chat_sessions
 order by pg_column_size(conversation_history) desc
 limit 20;

-- CHECK constraints the upgrade migration had to leave NOT VALID because old rows break them.
select conname as not_validated_constraint
  from pg_constraint
 where conrelid = 'public.codebase_chat_sessions'::regclass and not convalidated;
