package com.example.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.cfg.PackageVersion;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.ManualScheduler;
import dev.codebasechat.testing.Outage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What a user of the library checks first, in a project of their own. */
class ChatHistoryTest {
  @RegisterExtension static FakeSupabase supabase = FakeSupabase.create();

  @Test
  void theEmbeddedDefault_keepsMessagesAcrossARestart(@TempDir Path dir) throws Exception {
    UUID user = UUID.randomUUID();
    String id;
    try (ChatHistory history = ChatHistory.embedded(dir.resolve("sessions.db"))) {
      id = history.start(user, "a-verified-jwt");
      history.say(user, "a-verified-jwt", id, "Where is auth handled?");
    }
    try (ChatHistory history = ChatHistory.embedded(dir.resolve("sessions.db"))) {
      assertThat(history.lastTexts(user, "a-verified-jwt", id, 10)).containsExactly("Where is auth handled?");
    }
  }

  @Test
  void supabaseMode_storesThroughAnOutage_onceOnly() throws Exception {
    UUID user = UUID.randomUUID();
    String token = supabase.tokenFor(user);
    try (ChatHistory history = ChatHistory.supabase(supabase.baseUrl(), supabase.apiKey())) {
      String id = history.start(user, token);
      supabase.failNext(2, Outage.DATABASE_UNAVAILABLE);
      history.say(user, token, id, "hello");
      assertThat(history.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(supabase.session(id).orElseThrow().messageCount()).isEqualTo(1);
    }
  }

  @Test
  void anOutage_isRiddenOutOnManualTime_andTheMessageIsStoredOnce() throws Exception {
    ManualClock clock = ManualClock.startingAtEpoch2026();
    ManualScheduler scheduler = new ManualScheduler(clock);
    OkHttpClient http = new OkHttpClient();
    // Time moves only while no request is in flight, so no answer is overtaken by a timeout.
    BooleanSupplier settled = () -> http.dispatcher().runningCallsCount() == 0;
    UUID user = UUID.randomUUID();
    String token = supabase.tokenFor(user);
    try (ChatHistory history =
        ChatHistory.supabase(supabase.baseUrl(), supabase.apiKey(), http, clock, scheduler)) {
      String id = history.start(user, token);
      supabase.failNext(2, Outage.DATABASE_UNAVAILABLE); // retried after backoffs of fake time
      history.say(user, token, id, "hello");

      boolean flushed =
          scheduler.callWhileAdvancing(
              () -> history.flush(Duration.ofMinutes(1)), Duration.ofMinutes(2), settled);
      assertThat(flushed).isTrue();
      assertThat(
              scheduler.callWhileAdvancing(
                  () -> history.lastTexts(user, token, id, 10), Duration.ofMinutes(1), settled))
          .containsExactly("hello");
      assertThat(supabase.session(id).orElseThrow().messageCount()).isEqualTo(1);
    }
  }

  @Test
  void noServerCommandLineOrLoggingBackend_reachesTheService() {
    for (String name :
        List.of("io.undertow.Undertow", "picocli.CommandLine", "ch.qos.logback.classic.Logger")) {
      assertThatThrownBy(() -> Class.forName(name)).as(name).isInstanceOf(ClassNotFoundException.class);
    }
  }

  @Test
  void theFakeAlone_bringsNothingOfPostgreSql() {
    for (String name :
        List.of(
            "io.zonky.test.db.postgres.embedded.EmbeddedPostgres",
            "org.postgresql.Driver",
            "com.zaxxer.hikari.HikariDataSource")) {
      assertThatThrownBy(() -> Class.forName(name)).as(name).isInstanceOf(ClassNotFoundException.class);
    }
  }

  @Test
  void theLibraryJars_shipNoLoggingConfiguration() throws Exception {
    assertThat(Collections.list(getClass().getClassLoader().getResources("logback.xml"))).isEmpty();
    assertThat(Collections.list(getClass().getClassLoader().getResources("logback-test.xml"))).isEmpty();
  }

  @Test
  void jacksonStaysAtTheLibrarysVersion_besideWireMock() {
    assertThat(PackageVersion.VERSION.toString()).isEqualTo(System.getProperty("expected.jackson.version"));
  }
}
