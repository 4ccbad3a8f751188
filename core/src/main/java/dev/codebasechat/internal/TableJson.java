package dev.codebasechat.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.schema.PgJsonb;

/**
 * Jackson as the library reads what the table holds ({@link PgJsonb#tableReadConstraints}): a
 * number may be as long as PostgreSQL's numeric prints it, where Jackson's default stops at 1 000
 * characters, and a key of any length, where it stops at 50 000, so that no value the database
 * stores within the library's limits makes a session unreadable. Stateless.
 */
public final class TableJson {
  private TableJson() {}

  /** A factory whose parsers read numbers of any length numeric has, and keys of any length. */
  public static JsonFactory factory() {
    return JsonFactory.builder().streamReadConstraints(PgJsonb.tableReadConstraints()).build();
  }

  /** A plain mapper over {@link #factory}. */
  public static ObjectMapper mapper() {
    return new ObjectMapper(factory());
  }
}
