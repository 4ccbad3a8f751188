package com.example.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.cfg.PackageVersion;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.Outage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.UUID;
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
  void theLibraryJars_shipNoLoggingConfiguration() throws Exception {
    assertThat(Collections.list(getClass().getClassLoader().getResources("logback.xml"))).isEmpty();
    assertThat(Collections.list(getClass().getClassLoader().getResources("logback-test.xml"))).isEmpty();
  }

  @Test
  void jacksonStaysAtTheLibrarysVersion_besideWireMock() {
    assertThat(PackageVersion.VERSION.toString()).isEqualTo(System.getProperty("expected.jackson.version"));
  }
}
