-- What projects created before 2026 had (reference/postgrest.md §3.4): every new table, function
-- and sequence in public granted to the API roles. Migrations must revoke what they do not want.
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
