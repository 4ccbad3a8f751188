package dev.codebasechat.e2e;

import dev.codebasechat.testing.postgres.PostgresMajor;

/** {@link SupabaseModeScenarios} and {@link SeveralGatewaysScenarios} over PostgreSQL 17. */
class SupabaseModeOnPostgres17Test extends SeveralGatewaysScenarios {
  @Override
  PostgresMajor major() {
    return PostgresMajor.PG17;
  }
}
