package dev.codebasechat.contract;

import dev.codebasechat.testing.postgres.PostgresMajor;

/** The contract against the SQL of the migrations on PostgreSQL 15. */
class SqlSessionTableOnPostgres15ContractTest extends SqlSessionTableContract {
  @Override
  PostgresMajor major() {
    return PostgresMajor.PG15;
  }
}
