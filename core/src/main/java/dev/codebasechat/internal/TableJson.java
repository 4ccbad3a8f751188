package dev.codebasechat.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.schema.PgJsonb;

/**
 * Jackson as the library reads what the table holds: a number may be as long as PostgreSQL's
 * numeric prints it ({@link PgJsonb#NUMBER_TEXT_MAX} characters), where Jackson's default stops at
 * 1 000, so no value the database stores makes a session unreadable. Stateless.
 */
public final class TableJson {
  private TableJson() {}

  /** A factory whose parsers read numbers of any length numeric has. */
  public static JsonFactory factory() {
    return JsonFactory.builder()
        .streamReadConstraints(
            StreamReadConstraints.builder().maxNumberLength(PgJsonb.NUMBER_TEXT_MAX).build())
        .build();
  }

  /** A plain mapper over {@link #factory}. */
  public static ObjectMapper mapper() {
    return new ObjectMapper(factory());
  }
}
