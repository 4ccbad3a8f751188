-- Chat sessions of the codebase chat product: one row per session, its messages in a JSONB array.
--
-- Secure by default:
--   * Row Level Security is on; the only policies are for the role `authenticated` and match rows
--     whose user_id is the caller's (`(select auth.uid())`, evaluated once per statement).
--   * `anon` gets no privilege at all; `authenticated` gets explicit, column-limited grants (new
--     tables are not granted to the API roles automatically since 2026).
--   * user_id defaults to the caller and the policies' WITH CHECK rejects any other value, on
--     insert, update and upsert alike. Rows whose user_id is null are visible to no user.
--
-- Accepted session ids: `chat-<digits>-<letters and digits>`, i.e.
--   ^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$
-- which covers the original client's `chat-{epochMillis}-{random}` (e.g. chat-1705622400000-abc123xyz)
-- and the gateway's `chat-<13-digit epoch millis>-<26 base32 characters>`.
--
-- Errors: a row that breaks one of the CHECK constraints below fails with SQLSTATE 23514
-- (PostgREST answers 400) and the constraint's name says which rule was broken.
--
-- Row maintenance (message_count, version, timestamps) and the RPC functions are created by
-- 20261124000100_chat_session_functions.sql; 20261124000000_harden_codebase_chat_sessions.sql
-- brings databases that ran the original, insecure version of this file to the same state.

create table public.codebase_chat_sessions (
  id uuid primary key default gen_random_uuid(),
  session_id text not null unique,
  user_id uuid default auth.uid() references auth.users (id) on delete cascade,
  repo text,
  current_file text,
  conversation_history jsonb not null default '[]'::jsonb,
  context_cache jsonb not null default '{}'::jsonb,
  metadata jsonb not null default '{}'::jsonb,
  last_activity timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  message_count integer not null default 0,
  version bigint not null default 0,
  constraint codebase_chat_sessions_session_id_format
    check (session_id ~ '^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$'),
  constraint codebase_chat_sessions_history_is_array
    check (jsonb_typeof(conversation_history) = 'array'),
  constraint codebase_chat_sessions_history_max_messages
    check (message_count between 0 and 20000),
  constraint codebase_chat_sessions_history_max_bytes
    check (pg_column_size(conversation_history) <= 16777216),
  constraint codebase_chat_sessions_context_cache_is_object
    check (jsonb_typeof(context_cache) = 'object' and pg_column_size(context_cache) <= 1048576),
  constraint codebase_chat_sessions_metadata_is_object
    check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 65536),
  constraint codebase_chat_sessions_repo_length
    check (char_length(repo) <= 512),
  constraint codebase_chat_sessions_current_file_length
    check (char_length(current_file) <= 4096)
);

comment on table public.codebase_chat_sessions is
  'Chat sessions, one per session_id, owned by user_id. Append messages with append_chat_messages().';
comment on column public.codebase_chat_sessions.session_id is
  'Client-generated id, ^chat-[0-9]{1,16}-[A-Za-z0-9]{6,40}$, e.g. chat-1705622400000-abc123xyz.';
comment on column public.codebase_chat_sessions.conversation_history is
  'Messages in order: {id, role, content, timestamp, code?, metadata?}. At most 20000 messages, 16 MiB.';
comment on column public.codebase_chat_sessions.message_count is
  'jsonb_array_length(conversation_history), kept by a trigger.';
comment on column public.codebase_chat_sessions.version is
  'Incremented by every update of the row, whatever the path; lets a writer see it is behind.';

-- The unique constraint serves lookups by session_id. This index serves the RLS filter on user_id,
-- per-user listings ordered by last_activity, and the cascade from auth.users.
create index codebase_chat_sessions_user_id_last_activity_idx
  on public.codebase_chat_sessions (user_id, last_activity desc);

alter table public.codebase_chat_sessions enable row level security;

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

-- Projects created before 2026 grant every new table to anon and authenticated by default
-- privileges; start from nothing and grant exactly what the API needs. id, version,
-- message_count and the timestamps are never written by users (the trigger keeps them).
-- session_id and user_id are writable only so that PostgREST upserts (which SET every column of
-- the payload) work; the policies and the trigger refuse any change of their values.
revoke all on table public.codebase_chat_sessions from public, anon, authenticated;
grant select, delete on table public.codebase_chat_sessions to authenticated;
grant insert (session_id, user_id, repo, current_file, conversation_history, context_cache, metadata),
      update (session_id, user_id, repo, current_file, conversation_history, context_cache, metadata)
  on table public.codebase_chat_sessions to authenticated;
grant all on table public.codebase_chat_sessions to service_role;
