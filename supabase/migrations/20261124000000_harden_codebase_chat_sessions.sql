-- Brings a database that ran the ORIGINAL 20250118000000_create_codebase_chat_sessions.sql to the
-- state a fresh install of this project reaches. The original let requests without a user read
-- and write every row (`auth.uid() is null` in its policies), made rows with a null user_id
-- world-readable and world-writable, granted the table to anon, and carried a duplicate index on
-- session_id plus GIN indexes no query used.
--
-- Idempotent and data-preserving: every row is kept. Rows whose user_id is null stay in the table
-- but no user can reach them any more (service_role and the table owner still can, to reassign or
-- delete them). On a fresh install this file changes nothing.
--
-- Note: every policy, every trigger and every index that backs no constraint on this table is
-- replaced by this project's set, whatever its name; an index an operator added by hand is dropped
-- too and must be re-created afterwards if it is still wanted.

-- The original's updated_at trigger (and its function in public, if nothing else uses it). This project's
-- triggers are (re)created by 20261124000100_chat_session_functions.sql.
do $$
declare
  t record;
begin
  for t in select tg.tgname, tg.tgfoid
             from pg_catalog.pg_trigger tg
            where tg.tgrelid = 'public.codebase_chat_sessions'::regclass
              and not tg.tgisinternal
              and tg.tgname not in ('codebase_chat_sessions_count_messages',
                                    'codebase_chat_sessions_before_update') loop
    execute format('drop trigger %I on public.codebase_chat_sessions', t.tgname);
    if not exists (select 1 from pg_catalog.pg_trigger other where other.tgfoid = t.tgfoid)
       and (select f.pronamespace from pg_catalog.pg_proc f where f.oid = t.tgfoid)
           = 'public'::regnamespace then
      execute format('drop function %s', t.tgfoid::regprocedure);
    end if;
  end loop;
end;
$$;

-- Columns: the same set, types, defaults and nullability as a fresh install.
update public.codebase_chat_sessions set context_cache = '{}'::jsonb where context_cache is null;
update public.codebase_chat_sessions set metadata = '{}'::jsonb where metadata is null;
update public.codebase_chat_sessions set created_at = coalesce(updated_at, last_activity, now()) where created_at is null;
update public.codebase_chat_sessions set updated_at = created_at where updated_at is null;
update public.codebase_chat_sessions set last_activity = updated_at where last_activity is null;

alter table public.codebase_chat_sessions
  add column if not exists message_count integer not null default 0,
  add column if not exists version bigint not null default 0,
  alter column id set default gen_random_uuid(),
  alter column user_id set default auth.uid(),
  alter column context_cache set default '{}'::jsonb,
  alter column context_cache set not null,
  alter column metadata set default '{}'::jsonb,
  alter column metadata set not null,
  alter column last_activity set not null,
  alter column created_at set not null,
  alter column updated_at set not null;

-- (The CASE keeps jsonb_array_length away from a history that is no array: PostgreSQL does not
-- promise to test the first condition of a WHERE first.)
update public.codebase_chat_sessions
   set message_count = case when jsonb_typeof(conversation_history) = 'array' then jsonb_array_length(conversation_history) end
 where jsonb_typeof(conversation_history) = 'array'
   and message_count <> case when jsonb_typeof(conversation_history) = 'array' then jsonb_array_length(conversation_history) end;

-- CHECK constraints. Existing rows that break one keep it NOT VALID (new writes are still checked)
-- and a warning names it, rather than failing the migration and losing nothing but time.
do $$
declare
  c record;
begin
  for c in select * from (values
      ('codebase_chat_sessions_session_id_format',
       $c$check (session_id ~ '^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$')$c$),
      ('codebase_chat_sessions_history_is_array',
       $c$check (jsonb_typeof(conversation_history) = 'array')$c$),
      ('codebase_chat_sessions_history_max_messages',
       $c$check (message_count between 0 and 20000)$c$),
      ('codebase_chat_sessions_history_max_bytes',
       $c$check (pg_column_size(conversation_history) <= 16777216)$c$),
      ('codebase_chat_sessions_context_cache_is_object',
       $c$check (jsonb_typeof(context_cache) = 'object' and pg_column_size(context_cache) <= 1048576)$c$),
      ('codebase_chat_sessions_metadata_is_object',
       $c$check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 65536)$c$),
      ('codebase_chat_sessions_repo_length',
       $c$check (char_length(repo) <= 512)$c$),
      ('codebase_chat_sessions_current_file_length',
       $c$check (char_length(current_file) <= 4096)$c$)
    ) as v(name, definition) loop
    if not exists (select 1 from pg_catalog.pg_constraint k
                    where k.conrelid = 'public.codebase_chat_sessions'::regclass and k.conname = c.name) then
      execute format('alter table public.codebase_chat_sessions add constraint %I %s not valid',
                     c.name, c.definition);
      begin
        execute format('alter table public.codebase_chat_sessions validate constraint %I', c.name);
      exception when check_violation then
        raise warning 'existing rows of public.codebase_chat_sessions break %; it checks new writes only until they are fixed',
          c.name;
      end;
    end if;
  end loop;
end;
$$;

-- Indexes: the unique constraint serves session_id; one composite index serves user_id.
do $$
declare
  i record;
begin
  for i in select ic.relname
             from pg_catalog.pg_index x
             join pg_catalog.pg_class ic on ic.oid = x.indexrelid
            where x.indrelid = 'public.codebase_chat_sessions'::regclass
              and ic.relname <> 'codebase_chat_sessions_user_id_last_activity_idx'
              and not exists (select 1 from pg_catalog.pg_constraint k where k.conindid = x.indexrelid) loop
    execute format('drop index public.%I', i.relname);
  end loop;
end;
$$;
create index if not exists codebase_chat_sessions_user_id_last_activity_idx
  on public.codebase_chat_sessions (user_id, last_activity desc);

-- Row Level Security: exactly the four owner-only policies for authenticated.
alter table public.codebase_chat_sessions enable row level security;
do $$
declare
  p record;
begin
  for p in select policyname from pg_catalog.pg_policies
            where schemaname = 'public' and tablename = 'codebase_chat_sessions' loop
    execute format('drop policy %I on public.codebase_chat_sessions', p.policyname);
  end loop;
end;
$$;
create policy codebase_chat_sessions_select_own on public.codebase_chat_sessions
  for select to authenticated
  using ((select auth.uid()) = user_id);
create policy codebase_chat_sessions_insert_own on public.codebase_chat_sessions
  for insert to authenticated
  with check ((select auth.uid()) = user_id);
create policy codebase_chat_sessions_update_own on public.codebase_chat_sessions
  for update to authenticated
  using ((select auth.uid()) = user_id)
  with check ((select auth.uid()) = user_id);
create policy codebase_chat_sessions_delete_own on public.codebase_chat_sessions
  for delete to authenticated
  using ((select auth.uid()) = user_id);

-- Grants: nothing for anon, column-limited writes for authenticated (see the create file).
revoke all on table public.codebase_chat_sessions from public, anon, authenticated;
grant select, delete on table public.codebase_chat_sessions to authenticated;
grant insert (session_id, user_id, repo, current_file, conversation_history, context_cache, metadata),
      update (session_id, user_id, repo, current_file, conversation_history, context_cache, metadata)
  on table public.codebase_chat_sessions to authenticated;
grant all on table public.codebase_chat_sessions to service_role;
