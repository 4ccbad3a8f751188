-- Cluster-wide part of the Supabase bootstrap: the API roles as the Supabase image creates them
-- (reference/postgrest.md §3.4). Run once per cluster by a superuser; idempotent.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
end;
$$;
-- Made INHERIT in 2023 (supabase/postgres 20230529180330_alter_api_roles_for_inherit.sql).
alter role anon inherit;
alter role authenticated inherit;
alter role service_role inherit;
grant anon, authenticated, service_role to authenticator;
-- Statement and lock timeouts of the Supabase image (supabase/postgres init scripts and
-- 20221028101028_set_authenticator_timeout.sql, 20231130133139_set_lock_timeout_to_authenticator_role.sql).
-- PostgreSQL applies the authenticator's at login; PostgREST applies the API roles' own when it
-- switches role, as the PostgREST-compatible test server does.
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
