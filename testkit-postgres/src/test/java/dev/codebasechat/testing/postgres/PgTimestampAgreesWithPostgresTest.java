package dev.codebasechat.testing.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.schema.PgTimestamp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The in-memory backend reads a text as {@code timestamptz} with {@link PgTimestamp}; PostgreSQL is
 * the reference. Several thousand texts of the ISO-8601 family it claims (fields in and out of
 * range, every zone form, fractions to round, blanks and case), each read by both: the same
 * microseconds, or the same SQLSTATE.
 */
class PgTimestampAgreesWithPostgresTest {
  private static final String READ =
      "select case when t = 'infinity'::timestamptz then 'infinity'"
          + " when t = '-infinity'::timestamptz then '-infinity'"
          + " else ((extract(epoch from t) * 1000000)::numeric(38, 0))::text end"
          + " from (select ?::timestamptz as t) s";

  private static String expected(PgTimestamp.Reading reading) {
    return switch (reading.outcome()) {
      case READ ->
          reading.micros() == PgTimestamp.INFINITY
              ? "infinity"
              : reading.micros() == PgTimestamp.MINUS_INFINITY
                  ? "-infinity"
                  : Long.toString(reading.micros());
      case UNREADABLE -> "22007";
      case OUT_OF_RANGE, MONTH_OUT_OF_RANGE -> "22008";
      case ZONE_OUT_OF_RANGE -> "22009";
    };
  }

  private static String postgres(PreparedStatement read, String text) throws SQLException {
    read.setString(1, text);
    try (ResultSet rows = read.executeQuery()) {
      rows.next();
      return rows.getString(1);
    } catch (SQLException refused) {
      return refused.getSQLState();
    }
  }

  private static String digits(Random random, int min, int max) {
    int length = min + random.nextInt(max - min + 1);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < length; i++) {
      out.append((char) ('0' + random.nextInt(10)));
    }
    return out.toString();
  }

  private static String pick(Random random, String... choices) {
    return choices[random.nextInt(choices.length)];
  }

  private static String twoDigits(Random random, int max) {
    int value = random.nextInt(max + 1);
    return random.nextInt(4) == 0 ? Integer.toString(value) : String.format("%02d", value);
  }

  private static String text(Random random) {
    StringBuilder out = new StringBuilder();
    if (random.nextInt(10) == 0) {
      out.append(pick(random, " ", "  ", "\t"));
    }
    out.append(
        switch (random.nextInt(6)) {
          case 0 -> pick(random, "0000", "0001", "1969", "1970", "2000", "9999");
          // Not 294247..294276: PostgreSQL reads them, a microsecond count since 1970 cannot.
          case 1 -> pick(random, "10000", "294246", "294277", "99999", "123", "012", "00012");
          default -> String.format("%04d", 1900 + random.nextInt(200));
        });
    out.append('-').append(twoDigits(random, 13)).append('-');
    out.append(
        random.nextInt(3) == 0
            ? pick(random, "28", "29", "30", "31", "32", "0")
            : twoDigits(random, 31));
    if (random.nextInt(5) != 0) {
      out.append(pick(random, "T", "t", " "));
      out.append(random.nextInt(8) == 0 ? pick(random, "24", "25", "0") : twoDigits(random, 23));
      out.append(':')
          .append(random.nextInt(10) == 0 ? "60" : String.format("%02d", random.nextInt(60)));
      if (random.nextInt(4) != 0) {
        out.append(':')
            .append(
                random.nextInt(10) == 0
                    ? pick(random, "60", "61")
                    : String.format("%02d", random.nextInt(60)));
        if (random.nextInt(2) == 0) {
          out.append('.')
              .append(
                  random.nextInt(5) == 0
                      ? pick(random, "9999995", "0000005", "999999", "5")
                      : digits(random, 1, 9));
        }
      }
    }
    if (random.nextInt(4) != 0) {
      if (random.nextInt(5) == 0) {
        out.append(' ');
      }
      out.append(
          switch (random.nextInt(9)) {
            case 0 -> pick(random, "Z", "z");
            case 1 -> pick(random, "UTC", "utc", "GMT", "Gmt");
            case 2 -> pick(random, "+", "-") + random.nextInt(10);
            case 3 -> pick(random, "+", "-") + String.format("%02d", random.nextInt(17));
            case 4, 5 ->
                pick(random, "+", "-")
                    + String.format("%02d:%02d", random.nextInt(17), random.nextInt(61));
            case 6 ->
                pick(random, "+", "-")
                    + String.format("%02d%02d", random.nextInt(17), random.nextInt(61));
            case 7 -> pick(random, "+15:59", "-15:59", "+16:00", "+15:60", "+1:30");
            default -> "+00:00";
          });
    }
    if (random.nextInt(10) == 0) {
      out.append(pick(random, " ", "  "));
    }
    return out.toString();
  }

  @Test
  void aTimeBeyondAMicrosecondCountSince1970_isOutOfRange_neverAnotherTime() {
    assertThat(PgTimestamp.read("294247-01-10T04:00:54.775806Z"))
        .isEqualTo(new PgTimestamp.Reading(PgTimestamp.Outcome.READ, Long.MAX_VALUE - 1));
    assertThat(PgTimestamp.read("294247-01-10T04:00:54.775807Z"))
        .isEqualTo(PgTimestamp.Reading.OUT_OF_RANGE);
    assertThat(PgTimestamp.read("294276-12-31T23:59:59Z"))
        .isEqualTo(PgTimestamp.Reading.OUT_OF_RANGE);
  }

  @Test
  void everyTextOfItsFamily_readsAsPostgresqlReadsIt() throws SQLException {
    Set<String> texts =
        new LinkedHashSet<>(
            List.of("epoch", " Epoch ", "infinity", "+infinity", "-infinity", "INFINITY"));
    Random random = new Random(20261207);
    while (texts.size() < 4_000) {
      texts.add(text(random));
    }
    SupabaseDatabase database =
        EmbeddedSupabase.on(PostgresMajor.PG17)
            .createDatabase("pg_timestamp_reading", EmbeddedSupabase.Privileges.NONE);
    List<String> disagreements = new ArrayList<>();
    try (Connection connection = database.ownerConnection();
        Statement setup = connection.createStatement();
        PreparedStatement read = connection.prepareStatement(READ)) {
      setup.execute("set timezone to 'UTC'");
      for (String text : texts) {
        String reference = postgres(read, text);
        String ours = expected(PgTimestamp.read(text));
        if (!reference.equals(ours)) {
          disagreements.add("'" + text + "': PostgreSQL " + reference + ", PgTimestamp " + ours);
        }
      }
    }
    assertThat(disagreements).as("of %d texts", texts.size()).isEmpty();
  }
}
