package dev.codebasechat.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.memory.CallerContext;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.testing.FakeSupabase;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.memory.InMemoryChatMemoryRepository;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.model.chat.memory.autoconfigure.ChatMemoryAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration as Spring Boot applies it, beside Spring AI's own chat memory. */
class SessionChatMemoryAutoConfigurationTest {
  @RegisterExtension static FakeSupabase supabase = FakeSupabase.create();

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  ChatMemoryAutoConfiguration.class, SessionChatMemoryAutoConfiguration.class));

  @Configuration(proxyBeanMethods = false)
  static class WithSessionStore {
    @Bean(destroyMethod = "close")
    PostgrestClient postgrestClient() {
      return PostgrestClient.builder()
          .projectUrl(supabase.baseUrl())
          .apiKey(ApiKey.of(supabase.apiKey()))
          .build();
    }

    @Bean(destroyMethod = "close")
    SessionStore sessionStore(PostgrestClient client) {
      return SessionStore.builder(client).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class WithOwnRepository {
    @Bean
    ChatMemoryRepository ownRepository() {
      return new InMemoryChatMemoryRepository();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @org.springframework.context.annotation.Import(WithSessionStore.class)
  static class WithTwoSessionStores {
    @Bean(destroyMethod = "close")
    SessionStore archive(PostgrestClient client) {
      return SessionStore.builder(client).build();
    }
  }

  /**
   * Another repository starter, as Spring AI's JDBC one is: after ours, standing back only for its
   * own type.
   */
  @org.springframework.boot.autoconfigure.AutoConfiguration(
      after = SessionChatMemoryAutoConfiguration.class)
  static class AnotherRepositoryStarter {
    static final class OtherRepository implements ChatMemoryRepository {
      private final ChatMemoryRepository kept = new InMemoryChatMemoryRepository();

      @Override
      public List<String> findConversationIds() {
        return kept.findConversationIds();
      }

      @Override
      public List<org.springframework.ai.chat.messages.Message> findByConversationId(String id) {
        return kept.findByConversationId(id);
      }

      @Override
      public void saveAll(String id, List<org.springframework.ai.chat.messages.Message> messages) {
        kept.saveAll(id, messages);
      }

      @Override
      public void deleteByConversationId(String id) {
        kept.deleteByConversationId(id);
      }
    }

    @Bean
    @org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean(
        OtherRepository.class)
    OtherRepository otherRepository() {
      return new OtherRepository();
    }
  }

  @Test
  void withTwoSessionStores_theApplicationStarts_andKeepsSpringAisDefault() {
    runner
        .withUserConfiguration(WithTwoSessionStores.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(SessionChatMemoryRepository.class);
              assertThat(context).hasSingleBean(ChatMemory.class);
            });
  }

  @Test
  void withAnotherRepositoryStarter_theChatMemoryKeepsTheSessionRepository() {
    runner
        .withUserConfiguration(WithSessionStore.class)
        .withConfiguration(AutoConfigurations.of(AnotherRepositoryStarter.class))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(ChatMemoryRepository.class))
                  .isInstanceOf(SessionChatMemoryRepository.class);
              ChatMemory memory = context.getBean(ChatMemory.class);
              try (var bound = CallerContext.bind(newCaller())) {
                memory.add("c1", List.of(new UserMessage("kept in a session")));
                assertThat(
                        context
                            .getBean(SessionChatMemoryRepository.class)
                            .findByConversationId("c1"))
                    .containsExactly(new UserMessage("kept in a session"));
              }
            });
  }

  @Test
  void withASessionStore_theSessionRepositoryTakesThePlaceOfTheInMemoryDefault() {
    runner
        .withUserConfiguration(WithSessionStore.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(ChatMemoryRepository.class);
              assertThat(context.getBean(ChatMemoryRepository.class))
                  .isInstanceOf(SessionChatMemoryRepository.class);
              assertThat(context).hasSingleBean(ChatMemory.class);
            });
  }

  @Test
  void theChatMemory_keepsMaxMessages_overTheSessionRepository() {
    runner
        .withUserConfiguration(WithSessionStore.class)
        .withPropertyValues("codebasechat.chat-memory.max-messages=2")
        .run(
            context -> {
              ChatMemory memory = context.getBean(ChatMemory.class);
              try (var bound = CallerContext.bind(newCaller())) {
                memory.add("default", List.of(new UserMessage("1"), new UserMessage("2")));
                memory.add("default", new UserMessage("3"));
                assertThat(memory.get("default"))
                    .containsExactly(new UserMessage("2"), new UserMessage("3"));
                assertThat(context.getBean(SessionChatMemoryRepository.class).history("default"))
                    .hasSize(3);
              }
            });
  }

  @Test
  void anApplicationsClockBean_timesTheMessagesTheRepositoryStores() {
    java.time.Instant at = java.time.Instant.parse("2026-03-01T09:30:00Z");
    runner
        .withUserConfiguration(WithSessionStore.class)
        .withBean(java.time.Clock.class, () -> java.time.Clock.fixed(at, java.time.ZoneOffset.UTC))
        .run(
            context -> {
              SessionChatMemoryRepository repository =
                  context.getBean(SessionChatMemoryRepository.class);
              try (var bound = CallerContext.bind(newCaller())) {
                repository.saveAll("default", List.of(new UserMessage("1")));

                assertThat(repository.windowEntries("default"))
                    .singleElement()
                    .satisfies(entry -> assertThat(entry.timestamp()).isEqualTo(at));
              }
            });
  }

  @Test
  void withTwoClockBeans_noneOfThemPrimary_theApplicationStarts_withTheSessionRepository() {
    runner
        .withUserConfiguration(WithSessionStore.class)
        .withBean("utcClock", java.time.Clock.class, java.time.Clock::systemUTC)
        .withBean(
            "zoneClock",
            java.time.Clock.class,
            () -> java.time.Clock.system(java.time.ZoneId.of("Europe/Paris")))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              SessionChatMemoryRepository repository =
                  context.getBean(SessionChatMemoryRepository.class);
              try (var bound = CallerContext.bind(newCaller())) {
                repository.saveAll("default", List.of(new UserMessage("1")));

                assertThat(repository.findByConversationId("default"))
                    .containsExactly(new UserMessage("1"));
              }
            });
  }

  @Test
  void anApplicationsOwnRepository_wins() {
    runner
        .withUserConfiguration(WithSessionStore.class, WithOwnRepository.class)
        .run(
            context ->
                assertThat(context.getBean(ChatMemoryRepository.class))
                    .isInstanceOf(InMemoryChatMemoryRepository.class));
  }

  @Test
  void withoutASessionStore_springAisDefaultStays() {
    runner.run(
        context ->
            assertThat(context.getBean(ChatMemoryRepository.class))
                .isInstanceOf(InMemoryChatMemoryRepository.class));
  }

  @Test
  void turnedOff_springAisDefaultStays() {
    runner
        .withUserConfiguration(WithSessionStore.class)
        .withPropertyValues("codebasechat.chat-memory.enabled=false")
        .run(
            context ->
                assertThat(context.getBean(ChatMemoryRepository.class))
                    .isInstanceOf(InMemoryChatMemoryRepository.class));
  }

  @Test
  void aWindowOfNoMessages_failsTheStartup_namingTheProperty() {
    runner
        .withUserConfiguration(WithSessionStore.class)
        .withPropertyValues("codebasechat.chat-memory.max-messages=0")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining(
                        "codebasechat.chat-memory.max-messages must be at least 1"));
  }

  private static Caller newCaller() {
    UUID user = UUID.randomUUID();
    return new Caller(user, AccessToken.of(supabase.tokenFor(user)));
  }
}
