package dev.codebasechat.postgrest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks shared by {@link ApiKey} and {@link AccessToken}. Every message names the setting and
 * never echoes the value.
 */
final class Credentials {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_LENGTH = 16 * 1024;

  private Credentials() {}

  /**
   * Rejects null, blank, over-long values and characters that cannot travel in an HTTP header
   * (OkHttp would otherwise throw with the value in its message).
   */
  static String requireHeaderSafe(String value, String setting) {
    Objects.requireNonNull(value, () -> setting + " must not be null");
    if (value.isBlank()) {
      throw new IllegalArgumentException(setting + " must not be blank");
    }
    if (value.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          setting + " must be at most " + MAX_LENGTH + " characters but has " + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException(
            setting + " contains a character not allowed in an HTTP header (position " + i + ")");
      }
    }
    return value;
  }

  /**
   * The {@code role} claim of a JWT-shaped value, read without verifying the signature (only to
   * refuse keys that must not be used here). Empty when the value is not a readable JWT.
   */
  static Optional<String> unverifiedRole(String value) {
    String[] parts = value.split("\\.", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
      JsonNode claims = JSON.readTree(new String(payload, StandardCharsets.UTF_8));
      JsonNode role = claims == null ? null : claims.get("role");
      return role != null && role.isTextual() ? Optional.of(role.asText()) : Optional.empty();
    } catch (IllegalArgumentException | java.io.IOException e) {
      return Optional.empty();
    }
  }

  static String redacted(String type, String value) {
    return type + "[redacted, " + value.length() + " chars]";
  }
}
