package dev.codebasechat.readme;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebasechat.auth.DevTokenMinter;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.testing.SupabaseTestServer;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java block of the README and the docs that needs only the core library compiles exactly as
 * shown, and runs: the quick starts, the library tour, the PostgREST client and the token check,
 * against the embedded default and against real SQL behind the PostgREST-compatible test server.
 */
class DocsJavaBlocksTest {
  private static final String CORE = "dev.codebasechat:chat-session-core";
  private static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!!";

  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  @TempDir static Path out;
  private static URLClassLoader shown;

  @TempDir Path dir;

  @BeforeAll
  static void compileTheBlocks() throws Exception {
    List<String> sources =
        JavaBlocks.needing(CORE).stream()
            .filter(block -> !block.needs().contains("chat-session-langchain4j"))
            .filter(block -> !block.needs().contains("chat-session-spring-ai"))
            .map(JavaBlocks.Block::text)
            .toList();
    assertThat(sources).as("blocks needing the core").isNotEmpty();
    assertThat(JavaBlocks.compile(sources, out)).as("compiler diagnostics").isEmpty();
    shown =
        new URLClassLoader(
            new URL[] {out.toUri().toURL()}, DocsJavaBlocksTest.class.getClassLoader());
  }

  private static Method method(String className, String name, Class<?>... parameters)
      throws Exception {
    return shown.loadClass(className).getMethod(name, parameters);
  }

  @Test
  void readmeEmbeddedChat_runs_andKeepsTheConversationAcrossARun() throws Exception {
    String file = dir.resolve("sessions.db").toString();

    method("EmbeddedChat", "main", String[].class).invoke(null, (Object) new String[] {file});
    method("EmbeddedChat", "main", String[].class).invoke(null, (Object) new String[] {file});
  }

  @Test
  void readmeSupabaseChat_storesTheMessage_underRowLevelSecurity() throws Exception {
    UUID user = supabase.newUser();

    method("SupabaseChat", "chat", URI.class, String.class, UUID.class, String.class, Path.class)
        .invoke(
            null,
            URI.create(supabase.baseUrl()),
            supabase.apiKey(),
            user,
            supabase.tokenFor(user),
            dir);

    assertThat(
            supabase.queryAsOwner(
                "select session_id from public.codebase_chat_sessions where user_id = ?::uuid",
                user.toString()))
        .hasSize(1);
  }

  @Test
  void libraryTour_runs() throws Exception {
    method("LibraryTour", "main", String[].class).invoke(null, (Object) new String[0]);
  }

  @Test
  void sessionMetadata_readsTheCallersRow() throws Exception {
    UUID user = supabase.newUser();
    String token = supabase.tokenFor(user);
    SessionId id;
    try (PostgrestClient client =
            PostgrestClient.builder()
                .projectUrl(supabase.baseUrl())
                .apiKey(ApiKey.of(supabase.apiKey()))
                .build();
        SessionStore store = SessionStore.builder(client).build()) {
      Caller caller = new Caller(user, AccessToken.of(token));
      id = store.create(caller);
      store.append(caller, id, Append.of(ChatMessage.user("hi")));
      assertThat(store.flush(Duration.ofSeconds(10)).isComplete()).isTrue();
    }

    Object row =
        method("SessionMetadata", "of", String.class, String.class, String.class, String.class)
            .invoke(null, supabase.baseUrl(), supabase.apiKey(), token, id.value());

    assertThat((Optional<?>) row)
        .hasValueSatisfying(
            json ->
                assertThat(((JsonNode) json).path("session_id").asText()).isEqualTo(id.value()));
  }

  @Test
  void requestAuthentication_yieldsTheTokensUser() throws Exception {
    UUID user = UUID.randomUUID();
    String token = DevTokenMinter.create(SECRET, "issuer", Clock.systemUTC()).mint(user);
    Class<?> type = shown.loadClass("RequestAuthentication");
    Object authentication =
        type.getConstructor(URI.class, String.class)
            .newInstance(URI.create("http://127.0.0.1:9"), SECRET);

    Caller caller =
        (Caller) type.getMethod("callerOf", String.class).invoke(authentication, "Bearer " + token);

    assertThat(caller.userId()).isEqualTo(user);
  }

  @Test
  void everyBlockNeedingTheCore_isRunByThisTest() throws Exception {
    Set<String> shownClasses = new HashSet<>();
    for (JavaBlocks.Block block : JavaBlocks.needing(CORE)) {
      if (!block.needs().contains("langchain4j") && !block.needs().contains("spring-ai")) {
        shownClasses.add(JavaBlocks.className(block.text()));
      }
    }
    assertThat(shownClasses)
        .as("classes shown in the docs that this test runs (add a test for a new one)")
        .isSubsetOf(
            "EmbeddedChat",
            "SupabaseChat",
            "LibraryTour",
            "SessionMetadata",
            "RequestAuthentication");
  }
}
