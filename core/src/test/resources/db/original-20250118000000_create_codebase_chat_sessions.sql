-- Test fixture: the ORIGINAL migration of the JavaScript service, rebuilt from
-- /work/shared/reference/original-schema.md, with its security holes. It is what databases that
-- ran the original look like before this project's later migrations; never apply it in production.
create extension if not exists "uuid-ossp" with schema extensions;

create table if not exists public.codebase_chat_sessions (
  id uuid primary key default extensions.uuid_generate_v4(),
  session_id text not null unique,
  user_id uuid references auth.users (id) on delete cascade,
  repo text,
  current_file text,
  conversation_history jsonb not null default '[]'::jsonb,
  context_cache jsonb default '{}'::jsonb,
  metadata jsonb default '{}'::jsonb,
  last_activity timestamptz default now(),
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

create index if not exists idx_codebase_chat_sessions_session_id on public.codebase_chat_sessions (session_id);
create index if not exists idx_codebase_chat_sessions_user_id on public.codebase_chat_sessions (user_id);
create index if not exists idx_codebase_chat_sessions_last_activity on public.codebase_chat_sessions (last_activity desc);
create index if not exists idx_codebase_chat_sessions_repo on public.codebase_chat_sessions (repo) where repo is not null;
create index if not exists idx_codebase_chat_sessions_conversation_history on public.codebase_chat_sessions using gin (conversation_history);
create index if not exists idx_codebase_chat_sessions_context_cache on public.codebase_chat_sessions using gin (context_cache);

create or replace function public.update_codebase_chat_sessions_updated_at()
returns trigger as $$
begin
  new.updated_at = now();
  new.last_activity = now();
  return new;
end;
$$ language plpgsql;

create trigger update_codebase_chat_sessions_updated_at
  before update on public.codebase_chat_sessions
  for each row execute function public.update_codebase_chat_sessions_updated_at();

alter table public.codebase_chat_sessions enable row level security;

create policy "Users can view their own chat sessions" on public.codebase_chat_sessions
  for select using (auth.uid() = user_id or auth.uid() is null);
create policy "Users can insert their own chat sessions" on public.codebase_chat_sessions
  for insert with check (auth.uid() = user_id or auth.uid() is null);
create policy "Users can update their own chat sessions" on public.codebase_chat_sessions
  for update using (auth.uid() = user_id or auth.uid() is null);
create policy "Users can delete their own chat sessions" on public.codebase_chat_sessions
  for delete using (auth.uid() = user_id or auth.uid() is null);
create policy "Anonymous sessions are accessible" on public.codebase_chat_sessions
  for all using (user_id is null);
create policy "Service role has full access" on public.codebase_chat_sessions
  for all using (auth.jwt() ->> 'role' = 'service_role');
