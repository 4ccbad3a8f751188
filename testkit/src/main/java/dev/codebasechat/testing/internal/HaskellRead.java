package dev.codebasechat.testing.internal;

import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How PostgREST reads a number where it uses Haskell's {@code readMaybe}: blanks around it,
 * parentheses, a minus sign (no plus), decimal, {@code 0x} and {@code 0o} literals. Stateless.
 */
final class HaskellRead {
  private static final Pattern INTEGER =
      Pattern.compile("\\s*-?\\s*(0[xX][0-9a-fA-F]+|0[oO][0-7]+|[0-9]+)\\s*");

  private HaskellRead() {}

  /** {@code readMaybe :: Maybe Integer}; null when it is no integer. */
  static @Nullable BigInteger integer(String text) {
    String inner = text.strip();
    while (inner.startsWith("(") && inner.endsWith(")")) {
      inner = inner.substring(1, inner.length() - 1).strip();
    }
    Matcher m = INTEGER.matcher(inner);
    if (!m.matches()) {
      return null;
    }
    String digits = m.group(1);
    BigInteger value =
        digits.length() > 1 && (digits.charAt(1) == 'x' || digits.charAt(1) == 'X')
            ? new BigInteger(digits.substring(2), 16)
            : digits.length() > 1 && (digits.charAt(1) == 'o' || digits.charAt(1) == 'O')
                ? new BigInteger(digits.substring(2), 8)
                : new BigInteger(digits);
    return inner.startsWith("-") ? value.negate() : value;
  }

  /** {@code readMaybe :: Maybe Int64}: out of range wraps around, as {@code fromInteger} does. */
  static @Nullable Long int64(String text) {
    BigInteger value = integer(text);
    return value == null ? null : value.longValue();
  }

  /** An integer clamped to a long: beyond it, a bound no table reaches. */
  static @Nullable Long clamped(String text) {
    BigInteger value = integer(text);
    if (value == null) {
      return null;
    }
    BigInteger max = BigInteger.valueOf(Long.MAX_VALUE);
    BigInteger min = BigInteger.valueOf(Long.MIN_VALUE);
    return value.max(min).min(max).longValue();
  }
}
