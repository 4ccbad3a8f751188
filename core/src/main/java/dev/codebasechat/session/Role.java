package dev.codebasechat.session;

import java.util.Locale;

/** Who wrote a message. The wire name is the lower-case constant name ({@code "user"}, …). */
public enum Role {
  USER,
  ASSISTANT,
  SYSTEM,
  TOOL;

  /** The name stored in the database and sent over HTTP. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @throws IllegalArgumentException naming the accepted roles when {@code wireName} is not one
   */
  public static Role fromWireName(String wireName) {
    for (Role role : values()) {
      if (role.wireName().equals(wireName)) {
        return role;
      }
    }
    throw new IllegalArgumentException(
        "role must be one of user, assistant, system, tool but was "
            + SessionId.quoteShort(wireName));
  }
}
