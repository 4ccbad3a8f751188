package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.codebasechat.postgrest.PostgrestFixtures.ANON_KEY;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE;
import static dev.codebasechat.postgrest.PostgrestFixtures.USER_PAYLOAD;
import static dev.codebasechat.postgrest.PostgrestFixtures.USER_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.codebasechat.postgrest.PostgrestResponses.Version;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The user token, its payload segment and the API key never appear in a log line (at DEBUG), an
 * exception's message, stack trace or {@code toString()}, across success, every kind of error
 * answer, transport faults, async failures and bad input (DESIGN.md invariant 5).
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SecretLeakTest {
  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private static final String ANON_PAYLOAD = PostgrestFixtures.payloadOf(ANON_KEY);

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  private final Logger ours = (Logger) LoggerFactory.getLogger("dev.codebasechat");
  private final List<String> seen = new ArrayList<>();
  private Level previous;

  @BeforeEach
  void captureLogs() {
    previous = ours.getLevel();
    ours.setLevel(Level.TRACE);
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    root.detachAppender(logs);
    ours.setLevel(previous);
  }

  @Test
  void everyPath_neverShowsTokenOrKey() {
    List<ResponseDefinitionBuilder> answers =
        List.of(
            PostgrestResponses.rows("[{\"a\":1}]", "0-0/*"),
            PostgrestResponses.jwtExpired(Version.V13),
            PostgrestResponses.jwtExpired(Version.V12),
            PostgrestResponses.jwtInvalid(),
            PostgrestResponses.anonPermissionDenied401(TABLE),
            PostgrestResponses.rlsViolation403(TABLE),
            PostgrestResponses.uniqueViolation409("pk", "session_id", "s1"),
            PostgrestResponses.dbDown503(3),
            PostgrestResponses.poolTimeout504(),
            PostgrestResponses.tableNotFound(Version.V12, TABLE),
            PostgrestResponses.pgrst116(Version.V13, 2),
            PostgrestResponses.noApiKey(),
            PostgrestResponses.invalidApiKey(),
            PostgrestResponses.projectPaused540(),
            PostgrestResponses.gatewayTimeout544(),
            aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER),
            aResponse().withFault(Fault.EMPTY_RESPONSE),
            aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK),
            PostgrestResponses.rows("[{\"a\":1", "0-0/*"),
            PostgrestResponses.rows("[]", "*/*").withFixedDelay(1500));

    try (PostgrestClient client =
        PostgrestFixtures.clientBuilder(wm).readTimeout(Duration.ofMillis(500)).build()) {
      UserScope user = client.as(PostgrestFixtures.USER);
      seen.add(client.toString());
      seen.add(user.toString());
      seen.add(PostgrestFixtures.USER.toString());
      seen.add(ApiKey.of(ANON_KEY).toString());
      for (ResponseDefinitionBuilder answer : answers) {
        wm.stubFor(any(anyUrl()).willReturn(answer));
        SelectRequest request = user.from(TABLE).select().eq("session_id", "s1");
        seen.add(request.toString());
        record(request::execute);
        record(() -> request.executeAsync().join());
        record(() -> user.from(TABLE).insert(Map.of("a", 1)).select("*").single());
        record(() -> user.rpc("append_messages", Map.of("p", 1)).maybeSingleAsync().join());
      }
      record(() -> user.from(TABLE).select().executeAsync().cancel(true));
    }

    assertNoSecrets(true);
  }

  @Test
  void badCredentials_messagesNameTheSettingOnly() {
    String secretKey = "sb_secret_" + "k".repeat(30);
    String publishable = "sb_publishable_" + "p".repeat(30);
    record(() -> ApiKey.of(secretKey));
    record(() -> ApiKey.of(PostgrestFixtures.SERVICE_ROLE_KEY));
    record(() -> ApiKey.of(ANON_KEY + "\n"));
    record(() -> AccessToken.of(ANON_KEY));
    record(() -> AccessToken.of(PostgrestFixtures.SERVICE_ROLE_KEY));
    record(() -> AccessToken.of(publishable));
    record(() -> AccessToken.of(USER_TOKEN + " "));
    record(() -> PostgrestClient.builder().projectUrl("https://x.supabase.co?apikey=" + ANON_KEY));
    record(() -> PostgrestClient.builder().projectUrl("https://" + USER_TOKEN + "@x.supabase.co"));

    assertThat(String.join("\n", seen))
        .doesNotContain(
            secretKey,
            publishable,
            PostgrestFixtures.payloadOf(PostgrestFixtures.SERVICE_ROLE_KEY));
    assertNoSecrets(false);
  }

  private void record(Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      seen.add(t.getMessage());
      seen.add(t.toString());
      StringWriter trace = new StringWriter();
      t.printStackTrace(new PrintWriter(trace));
      seen.add(trace.toString());
    }
  }

  private void assertNoSecrets(boolean expectLogs) {
    List<ILoggingEvent> events;
    synchronized (logs) { // AppenderBase.doAppend holds this lock; a cancelled call may still log
      events = new ArrayList<>(logs.list);
    }
    List<String> lines = new ArrayList<>();
    for (ILoggingEvent event : events) {
      if (event.getLoggerName().startsWith("dev.codebasechat")
          || event.getLoggerName().startsWith("okhttp3")) {
        lines.add(event.getFormattedMessage());
      }
    }
    if (expectLogs) {
      assertThat(lines).as("our log lines").isNotEmpty();
    }
    assertThat(seen).as("exception texts").isNotEmpty();
    for (String text : concat(lines, seen)) {
      assertThat(text)
          .doesNotContain(USER_TOKEN)
          .doesNotContain(USER_PAYLOAD)
          .doesNotContain(ANON_KEY)
          .doesNotContain(ANON_PAYLOAD);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    for (String s : b) {
      if (s != null) {
        all.add(s);
      }
    }
    return all;
  }
}
