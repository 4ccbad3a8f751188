package dev.codebasechat.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.postgres.SqlStatements;
import org.junit.jupiter.api.Test;

class SqlStatementsTest {
  @Test
  void split_plainStatements_splitsAtSemicolonsAndTrims() {
    assertThat(SqlStatements.split(" select 1;\nselect 2 ;"))
        .containsExactly("select 1", "select 2");
  }

  @Test
  void split_semicolonsInsideQuotesAndComments_doNotSplit() {
    String script =
        "select ';', \"a;b\", E'\\';' -- c;d\n; /* x; /* nested; */ y; */ select $$a;b$$, $fn$c;d$fn$;";

    assertThat(SqlStatements.split(script))
        .containsExactly(
            "select ';', \"a;b\", E'\\';' -- c;d",
            "/* x; /* nested; */ y; */ select $$a;b$$, $fn$c;d$fn$");
  }

  @Test
  void split_onlyCommentsAndBlanks_yieldsNothing() {
    assertThat(SqlStatements.split("-- only a comment\n;\n  ;/* and this */")).isEmpty();
  }

  @Test
  void split_positionalParameterLikeDollar_isNotADollarQuote() {
    assertThat(SqlStatements.split("select $1; select 2")).containsExactly("select $1", "select 2");
  }
}
