package dev.codebasechat.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.schema.PgJsonb;
import dev.codebasechat.testing.postgres.EmbeddedSupabase;
import dev.codebasechat.testing.postgres.PostgresMajor;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * {@link PgJsonb#storedSize} counts what PostgreSQL's {@code pg_column_size} counts for jsonb read
 * from JSON text, the measure of the table's size limits, and {@link PgJsonb#text} writes what
 * {@code jsonb::text} writes, the measure of a history's size: compared value by value with
 * PostgreSQL on each supported major.
 */
class JsonbStoredSizeTest {
  private static final ObjectMapper JACKSON = new ObjectMapper();
  private static final ObjectMapper JACKSON_DECIMALS =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private static final String[] NUMBERS = {
    "0",
    "-0",
    "0.000",
    "1",
    "-1",
    "9999",
    "10000",
    "12345",
    "100000000",
    "1.5",
    "1.50",
    "0.0001",
    "0.00012",
    "123456789.987654321",
    "1e3",
    "1E+3",
    "1.0e20",
    "2.5e-7",
    "1e-70",
    "1e250",
    "-1e-250",
    "123456789012345678901234567890",
    "0.1",
    "3.141592653589793",
    "1e-4",
    "1e-260",
    "5e-300",
    "1.7976931348623157e308"
  };

  @OnEachPostgresMajor
  void storedSize_ofDocumentedExamples_isPostgresqlsPgColumnSize(PostgresMajor major)
      throws Exception {
    List<String> values =
        List.of(
            "[1,2,3]",
            "\"abc\"",
            "{}",
            "[]",
            "null",
            "{\"files\":[{\"path\":\"src/A.java\",\"line\":12}],\"open\":true}",
            "{\"é\":\"ü€😀\",\"a\":[null,false,{\"b\":1.25}]}",
            // Long texts, counted a chunk at a time: a pair across a chunk's end counts 4 bytes.
            "\"" + "x".repeat(1023) + "😀y\"",
            "[\"" + "😀".repeat(3000) + "\",\"" + "日本".repeat(2000) + "\"]");

    assertSameSizes(major, values, JACKSON);
  }

  @OnEachPostgresMajor
  void storedSize_ofNumbersOfEveryForm_isPostgresqlsPgColumnSize(PostgresMajor major)
      throws Exception {
    List<String> values = new ArrayList<>();
    for (String number : NUMBERS) {
      values.add(number);
      values.add("[" + number + "]");
      values.add("{\"k\":\"x\",\"n\":" + number + "}");
    }

    assertSameSizes(major, values, JACKSON);
    assertSameSizes(major, values, JACKSON_DECIMALS);
  }

  @OnEachPostgresMajor
  void storedSize_ofRandomNestedValues_isPostgresqlsPgColumnSize(PostgresMajor major)
      throws Exception {
    Random random = new Random(20261206L);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      values.add(randomJson(random, 0));
    }

    assertSameSizes(major, values, JACKSON);
    assertSameSizes(major, values, JACKSON_DECIMALS);
  }

  @OnEachPostgresMajor
  void text_ofNumbersEscapesAndRandomValues_isPostgresqlsJsonbText(PostgresMajor major)
      throws Exception {
    Random random = new Random(20261207L);
    List<String> values = new ArrayList<>(List.of(NUMBERS));
    values.add("{\"b\":1,\"aa\":[true,null,\"x\"],\"a\":{}}");
    values.add(
        "\"tab\\t nl\\n cr\\r bs\\b ff\\f q\\\" back\\\\ slash/ \\u0001 \\u001f \\u007f é😀\"");
    for (int i = 0; i < 200; i++) {
      values.add(randomJson(random, 0));
    }

    for (ObjectMapper json : List.of(JACKSON, JACKSON_DECIMALS)) {
      assertLikePostgresql(major, values, json, PgJsonb::text, "v::jsonb::text");
      assertLikePostgresql(major, values, json, PgJsonb::textBytes, "octet_length(v::jsonb::text)");
    }
  }

  private static void assertSameSizes(
      PostgresMajor major, List<String> jsonTexts, ObjectMapper json)
      throws SQLException, JsonProcessingException {
    assertLikePostgresql(major, jsonTexts, json, PgJsonb::storedSize, "pg_column_size(v::jsonb)");
  }

  /**
   * For each value as Jackson writes it (as the library sends it), what {@code ours} computes is
   * what PostgreSQL answers for {@code sql} of {@code v}, the text it read.
   */
  private static void assertLikePostgresql(
      PostgresMajor major,
      List<String> jsonTexts,
      ObjectMapper json,
      Function<JsonNode, Object> ours,
      String sql)
      throws SQLException, JsonProcessingException {
    List<String> sent = new ArrayList<>();
    List<String> computed = new ArrayList<>();
    for (String text : jsonTexts) {
      JsonNode node = json.readTree(text);
      sent.add(json.writeValueAsString(node));
      computed.add(String.valueOf(ours.apply(node)));
    }

    String measured =
        (String)
            EmbeddedSupabase.on(major)
                .migratedDatabase("chat_functions")
                .valueAsOwner(
                    "select json_agg(("
                        + sql
                        + ")::text order by o)::text"
                        + " from unnest(?::text[]) with ordinality u(v, o)",
                    (Object) sent.toArray(String[]::new));

    JsonNode postgres = JACKSON.readTree(measured);
    for (int i = 0; i < sent.size(); i++) {
      assertThat(computed.get(i)).as(sent.get(i)).isEqualTo(postgres.get(i).textValue());
    }
  }

  private static String randomJson(Random random, int depth) {
    int kind = depth >= 4 ? 2 + random.nextInt(5) : random.nextInt(7);
    return switch (kind) {
      case 0 -> {
        StringBuilder object = new StringBuilder("{");
        int members = random.nextInt(6);
        for (int m = 0; m < members; m++) {
          object.append(m == 0 ? "" : ",");
          object.append('"').append(randomText(random, 1 + random.nextInt(8))).append("\":");
          object.append(randomJson(random, depth + 1));
        }
        yield object.append('}').toString();
      }
      case 1 -> {
        StringBuilder array = new StringBuilder("[");
        int elements = random.nextInt(6);
        for (int e = 0; e < elements; e++) {
          array.append(e == 0 ? "" : ",").append(randomJson(random, depth + 1));
        }
        yield array.append(']').toString();
      }
      case 2, 3 -> '"' + randomText(random, random.nextInt(20)) + '"';
      case 4 -> NUMBERS[random.nextInt(NUMBERS.length)];
      case 5 -> String.valueOf(random.nextInt(2_000_001) - 1_000_000);
      default -> random.nextBoolean() ? "true" : "null";
    };
  }

  private static String randomText(Random random, int length) {
    String alphabet = "abcxyz019 _-éü€日本😀";
    StringBuilder text = new StringBuilder();
    while (text.codePointCount(0, text.length()) < length) {
      int at = random.nextInt(alphabet.codePointCount(0, alphabet.length()));
      text.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, at)));
    }
    return text.toString();
  }
}
