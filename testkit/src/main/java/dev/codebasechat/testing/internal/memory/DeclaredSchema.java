package dev.codebasechat.testing.internal.memory;

import dev.codebasechat.testing.internal.PostgrestError;
import dev.codebasechat.testing.internal.Schema;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.text.similarity.LevenshteinDistance;
import org.jspecify.annotations.Nullable;

/**
 * What the in-memory backend declares of the migrations' schema, as PostgREST's schema cache would
 * read it from PostgreSQL: the sessions table's columns and types, the messages table (named, not
 * held), the public functions with their parameters, and the time zone names. Stateless.
 */
final class DeclaredSchema {
  private static final String TABLE = SqlErrors.TABLE;

  /** The real columns in table order, with their types. */
  static final Map<String, ColumnType> COLUMNS =
      declared(
          "id:uuid session_id:text user_id:uuid repo:text current_file:text context_cache:jsonb"
              + " metadata:jsonb last_activity:timestamptz created_at:timestamptz"
              + " updated_at:timestamptz message_count:integer version:bigint history_bytes:bigint"
              + " fields_version:bigint cleared_version:bigint");

  /** The messages table: in the schema, so that PostgREST's answers name it, but not held. */
  static final String MESSAGES = "codebase_chat_messages";

  private static final Map<String, ColumnType> MESSAGE_COLUMNS =
      declared(
          "session_row_id:uuid user_id:uuid message_id:text sent_at:timestamptz seq:bigint"
              + " added_version:bigint body:jsonb body_bytes:integer");

  /** The public functions, as the migrations declare them; {@code =} marks a default. */
  private static final List<String> FUNCTIONS =
      List.of(
          "append_chat_messages p_session_id:text p_messages:jsonb p_repo:text="
              + " p_current_file:text= p_create:boolean=",
          "clear_chat_history p_session_id:text p_clear_id:uuid=",
          "delete_chat_session p_session_id:text p_delete_id:uuid=",
          "chat_session_changes p_session_id:text p_since_version:bigint",
          "store_chat_session_for p_owner:uuid p_session_id:text p_expected_version:bigint"
              + " p_session:jsonb",
          "append_chat_messages_for p_owner:uuid p_session_id:text p_messages:jsonb p_repo:text="
              + " p_current_file:text= p_create:boolean=",
          "append_chat_messages_batch p_appends:jsonb",
          "clear_chat_history_for p_owner:uuid p_session_id:text p_clear_id:uuid",
          "delete_chat_session_for p_owner:uuid p_session_id:text p_delete_id:uuid",
          "conversation_history s:codebase_chat_sessions");

  static final Schema SCHEMA = declaredSchema();

  private DeclaredSchema() {}

  private static Map<String, ColumnType> declared(String columns) {
    Map<String, ColumnType> declared = new LinkedHashMap<>();
    for (String column : columns.split(" ")) {
      String[] nameAndType = column.split(":");
      declared.put(nameAndType[0], ColumnType.valueOf(nameAndType[1].toUpperCase(Locale.ROOT)));
    }
    return java.util.Collections.unmodifiableMap(declared);
  }

  /** The table and the functions, as the migrations declare them. */
  private static Schema declaredSchema() {
    List<Schema.Column> columns = new ArrayList<>();
    COLUMNS.forEach((name, type) -> columns.add(new Schema.Column(name, type.sqlName)));
    List<Schema.Column> messageColumns = new ArrayList<>();
    MESSAGE_COLUMNS.forEach(
        (name, type) -> messageColumns.add(new Schema.Column(name, type.sqlName)));
    Map<String, List<Schema.Routine>> routines = new LinkedHashMap<>();
    for (String function : FUNCTIONS) {
      String[] words = function.split(" ");
      List<Schema.Parameter> parameters = new ArrayList<>();
      for (int i = 1; i < words.length; i++) {
        String[] p = words[i].split(":");
        parameters.add(new Schema.Parameter(p[0], p[1].replace("=", ""), p[1].endsWith("=")));
      }
      boolean writes = !ChatFunctions.READING.contains(words[0]);
      routines.put(
          words[0],
          List.of(new Schema.Routine(words[0], parameters, Schema.Returns.SCALAR, writes)));
    }
    Schema.Table table = new Schema.Table(TABLE, columns, List.of("id"));
    Schema.Table messages =
        new Schema.Table(MESSAGES, messageColumns, List.of("session_row_id", "message_id"));
    return new Schema(
        "public", Map.of(TABLE, table, MESSAGES, messages), routines, postgresZoneNames());
  }

  /**
   * The type of {@code column}.
   *
   * @throws PostgrestError 42703 when the table has no such column, 42601 for an empty name
   */
  static ColumnType typeOf(String column) {
    if (column.isEmpty()) {
      // PostgREST quotes the name it read from "": SQL has no empty identifier.
      throw PostgrestError.sql("42601", "zero-length delimited identifier at or near \"\"\"\"");
    }
    ColumnType type = COLUMNS.get(column);
    if (type == null) {
      throw PostgrestError.sql(
          "42703", "column " + TABLE + "." + column + " does not exist", null, columnHint(column));
    }
    return type;
  }

  /** PostgreSQL's {@code MAX_FUZZY_DISTANCE}. */
  private static final int MAX_FUZZY_DISTANCE = 3;

  private static final LevenshteinDistance LEVENSHTEIN = LevenshteinDistance.getDefaultInstance();

  /**
   * PostgreSQL's hint for a column the table lacks ({@code errorMissingColumn}, {@code
   * updateFuzzyAttrMatchState}): the columns in their order, each at a Levenshtein distance of at
   * most 3 and of half the name's length; the nearest one, or the two nearest when two tie; none
   * when more than two tie at the least distance.
   */
  private static @Nullable String columnHint(String typed) {
    int distance = MAX_FUZZY_DISTANCE + 1;
    String first = null;
    String second = null;
    for (String column : COLUMNS.keySet()) {
      int d = LEVENSHTEIN.apply(column, typed);
      // PostgreSQL halves the name's length in bytes (strlen), the distance counts characters.
      if (d > typed.getBytes(java.nio.charset.StandardCharsets.UTF_8).length / 2) {
        continue;
      }
      if (d < distance) {
        distance = d;
        first = column;
        second = null;
      } else if (d == distance) {
        if (second != null) {
          first = null; // too many at this distance: only a nearer one can be named
          second = null;
        } else if (first != null) {
          second = column;
        }
      }
    }
    if (first == null) {
      return null;
    }
    String named = "the column \"" + TABLE + "." + first + "\"";
    return second == null
        ? "Perhaps you meant to reference " + named + "."
        : "Perhaps you meant to reference "
            + named
            + " or the column \""
            + TABLE
            + "."
            + second
            + "\".";
  }

  /**
   * PostgreSQL's {@code pg_timezone_names} as far as a JVM knows it: the IANA names both read, less
   * Java's own {@code SystemV/*}, with the names PostgreSQL adds ({@code Factory}, {@code GMT+0},
   * {@code GMT-0}, {@code EST}, {@code HST}, {@code MST}, {@code ROC}).
   */
  private static Set<String> postgresZoneNames() {
    Set<String> names = new HashSet<>(ZoneId.getAvailableZoneIds());
    names.removeIf(name -> name.startsWith("SystemV/"));
    names.addAll(Set.of("Factory", "GMT+0", "GMT-0", "EST", "HST", "MST", "ROC"));
    return names;
  }

  /**
   * Whether times in {@code zone} read as in UTC (PostgreSQL's {@code Factory} too): the only zone
   * the fake writes times in.
   */
  static boolean utc(String zone) {
    if (zone.equals("Factory")) {
      return true;
    }
    try {
      ZoneRules rules = ZoneId.of(zone).getRules();
      return rules.isFixedOffset() && rules.getOffset(Instant.EPOCH).getTotalSeconds() == 0;
    } catch (DateTimeException e) {
      return false;
    }
  }
}
