package dev.codebasechat.schema;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * How PostgreSQL's {@code jsonb} orders an object's keys: shorter keys first, keys of equal length
 * by their UTF-8 bytes (unsigned). It stores, writes and lists ({@code jsonb_object_keys}) them in
 * that order, whatever order they were sent in.
 */
public final class PgJsonb {

  /** jsonb's key order. */
  public static final Comparator<String> KEY_ORDER =
      Comparator.comparing(
          (String key) -> key.getBytes(StandardCharsets.UTF_8),
          Comparator.<byte[]>comparingInt(bytes -> bytes.length)
              .thenComparing(Arrays::compareUnsigned));

  private PgJsonb() {}
}
