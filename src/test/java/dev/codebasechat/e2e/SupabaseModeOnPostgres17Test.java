package dev.codebasechat.e2e;

import dev.codebasechat.testing.postgres.PostgresMajor;

/** {@link SupabaseModeScenarios} over PostgreSQL 17. */
class SupabaseModeOnPostgres17Test extends SupabaseModeScenarios {
  @Override
  PostgresMajor major() {
    return PostgresMajor.PG17;
  }
}
