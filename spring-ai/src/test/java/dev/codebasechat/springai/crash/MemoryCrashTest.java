package dev.codebasechat.springai.crash;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final StringBuffer transcript = new StringBuffer();

    Child(
        String framework, String journal, UUID user, String token, int first, int turns, String end)
        throws IOException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add("-Xmx256m");
      command.add("-XX:TieredStopAtLevel=1");
      command.add(MemoryCrashChild.class.getName());
      command.addAll(
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
              end));
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = in.readLine()) != null; ) {
                    transcript.append(line).append('\n');
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // the process died; what it printed is all there is
                }
              });
      reader.setDaemon(true);
      reader.start();
    }

    /** The first line that starts with {@code prefix}. */
    String await(String prefix) throws InterruptedException {
      long deadline = System.nanoTime() + TURN_WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        String line = lines.poll(50, TimeUnit.MILLISECONDS);
        if (line != null && line.startsWith(prefix)) {
          return line;
        }
        if (line == null && !process.isAlive() && lines.isEmpty()) {
          break;
        }
      }
      throw new AssertionError("the child never printed " + prefix + ":\n" + transcript);
    }

    void killDashNine() throws Exception {
      new ProcessBuilder("kill", "-9", Long.toString(process.pid()))
          .start()
          .waitFor(10, TimeUnit.SECONDS);
      process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      assertThat(transcript.toString()).doesNotContain(tokenMarker());
    }

    private String tokenMarker() {
      return "eyJ"; // a JWT's header, in any log line the child printed
    }
  }
}
