package dev.codebasechat.springai;

import dev.codebasechat.session.SessionStore;
import java.time.Clock;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * Makes the application's {@link SessionStore} bean Spring AI's chat memory: a {@link
 * SessionChatMemoryRepository} (unless the application defines a {@link ChatMemoryRepository}) and
 * a {@link MessageWindowChatMemory} of {@code codebasechat.chat-memory.max-messages} over it
 * (unless it defines a {@link ChatMemory}). Runs before Spring AI's own chat-memory
 * auto-configuration, whose in-memory repository then stands back. Applies when the application has
 * one {@link SessionStore} (or one marked primary among several). The repository is primary:
 * another repository starter left on the class path (Spring AI's JDBC one stands back only for its
 * own type) adds a second repository, which the chat memory then does not use. Off with {@code
 * codebasechat.chat-memory.enabled=false}.
 */
@AutoConfiguration(
    beforeName =
        "org.springframework.ai.model.chat.memory.autoconfigure.ChatMemoryAutoConfiguration")
@ConditionalOnClass({ChatMemoryRepository.class, SessionStore.class})
@ConditionalOnSingleCandidate(SessionStore.class)
@ConditionalOnProperty(
    prefix = "codebasechat.chat-memory",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
@EnableConfigurationProperties(SessionChatMemoryProperties.class)
public class SessionChatMemoryAutoConfiguration {

  /**
   * The repository over the application's store, timed by its {@link Clock} bean if it has exactly
   * one (or one primary); with several and none primary, by the system clock rather than failing
   * the application's start.
   */
  @Bean
  @Primary
  @ConditionalOnMissingBean(ChatMemoryRepository.class)
  public SessionChatMemoryRepository sessionChatMemoryRepository(
      SessionStore store, ObjectProvider<Clock> clock) {
    Clock chosen = clock.getIfUnique();
    return chosen == null
        ? SessionChatMemoryRepository.over(store)
        : SessionChatMemoryRepository.over(store, chosen);
  }

  /** A window of {@code max-messages} over the repository. */
  @Bean
  @ConditionalOnMissingBean(ChatMemory.class)
  public ChatMemory chatMemory(
      ChatMemoryRepository repository, SessionChatMemoryProperties properties) {
    return MessageWindowChatMemory.builder()
        .chatMemoryRepository(repository)
        .maxMessages(properties.maxMessages())
        .build();
  }
}
