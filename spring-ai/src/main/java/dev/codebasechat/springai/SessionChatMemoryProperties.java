package dev.codebasechat.springai;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The settings of the session chat memory, under {@code codebasechat.chat-memory}.
 *
 * @param enabled whether the auto-configuration provides the repository (default true)
 * @param maxMessages the window of the {@code ChatMemory} it provides when the application has none
 *     (default 20, as Spring AI's)
 */
@ConfigurationProperties(prefix = "codebasechat.chat-memory")
public record SessionChatMemoryProperties(
    @DefaultValue("true") boolean enabled, @DefaultValue("20") int maxMessages) {

  /**
   * @throws IllegalArgumentException if {@code maxMessages} is not positive
   */
  public SessionChatMemoryProperties {
    if (maxMessages < 1) {
      throw new IllegalArgumentException(
          "codebasechat.chat-memory.max-messages must be at least 1 but was " + maxMessages);
    }
  }
}
