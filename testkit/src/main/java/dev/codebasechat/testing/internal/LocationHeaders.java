package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The URLs PostgREST writes in headers: {@code Content-Location} of a read and {@code Location} of
 * an inserted row, each encoded as the Haskell library PostgREST builds it with encodes. Stateless.
 */
final class LocationHeaders {
  private LocationHeaders() {}

  /**
   * PostgREST's {@code Content-Location} of a read: the table and its query string with the
   * parameters sorted by name, those of one name joined by commas, encoded as the HTTP package's
   * {@code urlEncodeVars} does (which encodes a decoded byte above 0x7F as a character of its own).
   */
  static String contentLocation(List<ApiRequest.Param> all, Schema.Table table) {
    List<ApiRequest.Param> parameters =
        all.stream()
            .filter(p -> !p.key().equals("apikey")) // the platform's gateway takes it away
            .sorted(Comparator.comparing(ApiRequest.Param::key, LocationHeaders::byBytes))
            .toList();
    StringBuilder query = new StringBuilder();
    String previous = null;
    for (ApiRequest.Param p : parameters) {
      String value = urlEncode(p.value() == null ? "" : p.value());
      if (p.key().equals(previous)) {
        query.append(',').append(value);
      } else {
        query.append(query.length() == 0 ? "" : "&").append(urlEncode(p.key())).append('=');
        query.append(value);
      }
      previous = p.key();
    }
    return "/" + table.name() + (query.length() == 0 ? "" : "?" + query);
  }

  private static int byBytes(String a, String b) {
    return Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The HTTP package's {@code urlEncode} of a string of bytes read as Latin-1 characters: it
   * escapes what http-types does, but each byte above 0x7F is the character U+00XX, encoded in
   * UTF-8 again.
   */
  private static String urlEncode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return queryEncoded(new String(bytes, StandardCharsets.ISO_8859_1));
  }

  /**
   * PostgREST's {@code Location} of the one row an insert made: its primary key columns in the
   * table's order, as filters, encoded as http-types' {@code renderSimpleQuery True} does.
   */
  static String location(Schema.Table table, JsonNode row) {
    List<String> filters = new ArrayList<>();
    for (Schema.Column column : table.columns()) {
      if (table.primaryKey().contains(column.name())) {
        JsonNode value = row.path(column.name());
        String filter =
            value.isNull() || value.isMissingNode() ? "is.null" : "eq." + value.asText();
        filters.add(queryEncoded(column.name()) + "=" + queryEncoded(filter));
      }
    }
    return "/" + table.name() + "?" + String.join("&", filters);
  }

  /** http-types' {@code urlEncode True}: all but letters, digits and {@code -_.~} escaped. */
  private static String queryEncoded(String text) {
    StringBuilder out = new StringBuilder();
    for (byte raw : text.getBytes(StandardCharsets.UTF_8)) {
      int b = raw & 0xff;
      boolean plain = b < 0x80 && (Character.isLetterOrDigit(b) || "-_.~".indexOf(b) >= 0);
      out.append(plain ? String.valueOf((char) b) : String.format("%%%02X", b));
    }
    return out.toString();
  }
}
