package dev.codebasechat.contract;

import dev.codebasechat.testing.postgres.PostgresMajor;

/** The contract against the SQL of the migrations on PostgreSQL 17. */
class SqlSessionTableOnPostgres17ContractTest extends SqlSessionTableContract {
  @Override
  PostgresMajor major() {
    return PostgresMajor.PG17;
  }
}
