package dev.codebasechat.springai.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.crash.ChildJvm;
import dev.codebasechat.memory.CallerContext;
import dev.codebasechat.memory.StoredMessage;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.springai.SessionChatMemoryRepository;
import dev.codebasechat.testing.Outage;
import dev.codebasechat.testing.SupabaseTestServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.ai.chat.messages.Message;

/**
 * The chat memories' durability as the store's own: a conversation through each framework in a
 * child JVM over a journal, the database going away after the first turn, the process killed with
 * {@code kill -9} after two more turns acknowledged only into the journal; restarted once the
 * database is back, the next turn's model is shown every earlier turn, and the database ends with
 * all of them, once each.
 */
class MemoryCrashTest {
  private static final Duration TURN_WAIT = Duration.ofSeconds(60);

  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"langchain4j", "spring-ai"})
  void aKillDuringAnOutage_losesNoTurn_andTheNextTurnIsShownThemAll(String framework)
      throws Exception {
    UUID user = UUID.randomUUID();
    String token = supabase.tokenFor(user);
    String journal = dir.resolve("journal.db").toString();

    try (Child first = new Child(framework, journal, user, token, 1, 3, "hold")) {
      first.await("TURN 1");
      supabase.goDown(Outage.DATABASE_UNAVAILABLE);
      first.await("TURN 3");
      first.killDashNine();
    } finally {
      supabase.goUp();
    }

    List<String> seen;
    try (Child second = new Child(framework, journal, user, token, 4, 1, "drain")) {
      seen = List.of(second.await("SEEN 4 ").substring("SEEN 4 ".length()).split(","));
      second.await("DRAINED");
    }

    assertThat(seen).containsExactly("q1", "a1", "q2", "a2", "q3", "a3", "q4");
    assertThat(storedTexts(user, token))
        .containsExactly("q1", "a1", "q2", "a2", "q3", "a3", "q4", "a4");
  }

  private static List<String> storedTexts(UUID user, String token) {
    try (PostgrestClient client =
            PostgrestClient.builder()
                .projectUrl(supabase.baseUrl())
                .apiKey(ApiKey.of(supabase.apiKey()))
                .build();
        SessionStore store = SessionStore.builder(client).build();
        CallerContext.Binding bound = CallerContext.bind(new Caller(user, AccessToken.of(token)))) {
      return SessionChatMemoryRepository.over(store).history("chat").stream()
          .map(StoredMessage::message)
          .map(Message::getText)
          .toList();
    }
  }

  /** One run of {@link MemoryCrashChild}. */
  private static final class Child implements AutoCloseable {
    private final ChildJvm jvm;

    Child(
        String framework, String journal, UUID user, String token, int first, int turns, String end)
        throws IOException {
      jvm =
          ChildJvm.start(
              MemoryCrashChild.class,
              List.of(
                  framework,
                  supabase.restUrl(),
                  supabase.apiKey(),
                  journal,
                  user.toString(),
                  token,
                  "chat",
                  Integer.toString(first),
                  Integer.toString(turns),
                  end),
              // A JWT's header, in any line the child printed.
              transcript -> assertThat(transcript).doesNotContain("eyJ"));
    }

    /** The first line that starts with {@code prefix}. */
    String await(String prefix) throws InterruptedException {
      return jvm.awaitLine(line -> line.startsWith(prefix), TURN_WAIT)
          .orElseThrow(
              () ->
                  new AssertionError(
                      "the child never printed " + prefix + ":\n" + jvm.transcript()));
    }

    void killDashNine() throws Exception {
      jvm.killDashNine();
    }

    @Override
    public void close() throws InterruptedException {
      jvm.close();
    }
  }
}
