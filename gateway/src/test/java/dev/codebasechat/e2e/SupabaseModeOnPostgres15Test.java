package dev.codebasechat.e2e;

import dev.codebasechat.testing.postgres.PostgresMajor;

/** {@link SupabaseModeScenarios} over PostgreSQL 15. */
class SupabaseModeOnPostgres15Test extends SupabaseModeScenarios {
  @Override
  PostgresMajor major() {
    return PostgresMajor.PG15;
  }
}
