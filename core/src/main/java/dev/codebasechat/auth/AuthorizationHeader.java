package dev.codebasechat.auth;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Reads the bearer token out of an {@code Authorization} header value (RFC 6750 §2.1): the scheme
 * {@code Bearer} in any case, one space, one token. Stateless and thread-safe. It does not verify
 * the token; pass the result to {@link SupabaseJwtVerifier#verify(String)}.
 */
public final class AuthorizationHeader {
  private static final String SCHEME = "bearer";

  private AuthorizationHeader() {}

  /**
   * The token of a {@code Bearer} header.
   *
   * @throws InvalidTokenException {@link InvalidTokenException.Reason#MISSING} when the header is
   *     absent, blank or uses another scheme (as RFC 6750 §3.1 wants: no error code then); {@link
   *     InvalidTokenException.Reason#MALFORMED} for {@code Bearer} without exactly one token
   */
  public static String bearerToken(@Nullable String header) {
    if (header == null || header.isBlank()) {
      throw new InvalidTokenException(InvalidTokenException.Reason.MISSING);
    }
    String trimmed = header.strip();
    int space = trimmed.indexOf(' ');
    String scheme = space < 0 ? trimmed : trimmed.substring(0, space);
    if (!scheme.toLowerCase(Locale.ROOT).equals(SCHEME)) {
      throw new InvalidTokenException(InvalidTokenException.Reason.MISSING);
    }
    String token = space < 0 ? "" : trimmed.substring(space + 1);
    if (token.isEmpty() || token.chars().anyMatch(AuthorizationHeader::isNotTokenChar)) {
      throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED);
    }
    return token;
  }

  /**
   * RFC 6750 b64token: {@code ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"} then {@code "="*}.
   */
  private static boolean isNotTokenChar(int c) {
    boolean ok =
        (c >= 'A' && c <= 'Z')
            || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9')
            || "-._~+/=".indexOf(c) >= 0;
    return !ok;
  }
}
