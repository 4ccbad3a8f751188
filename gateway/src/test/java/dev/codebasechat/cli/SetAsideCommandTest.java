package dev.codebasechat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.journal.JournalEntry;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SetAsideCommandTest {

  private static final UUID ALICE = UUID.fromString("00000000-0000-0000-0000-00000000000a");
  private static final UUID BOB = UUID.fromString("00000000-0000-0000-0000-00000000000b");
  private static final String BOBS = "chat-1767225600000-bobsession";
  private static final String ALICES = "chat-1767225600000-alicesess1";
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeSupabase supabase = FakeSupabase.create();

  @TempDir Path dataDir;
  private final ManualClock clock = ManualClock.startingAtEpoch2026();

  private Map<String, String> supabaseMode() {
    return Map.of(
        "SUPABASE_URL",
        supabase.baseUrl(),
        "SUPABASE_ANON_KEY",
        supabase.apiKey(),
        "DATA_DIR",
        dataDir.toString());
  }

  /**
   * Alice's two messages into Bob's session are refused (403) and set aside; one write of hers
   * stays pending.
   */
  private void aliceWriteSetAsideAndAnotherPending() {
    supabase.seedSession(BOB, BOBS, "b1");
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.append(ALICE, BOBS, "secret-1", "secret-2");
      assertThat(gateway.flush().setAside()).isEqualTo(1);
      supabase.goDown();
      gateway.append(ALICE, ALICES, "m1");
    }
    supabase.goUp();
  }

  @Test
  void setAside_listsSessionOwnerOperationCountAndReasonWithoutMessageBodies() {
    aliceWriteSetAsideAndAnotherPending();

    Cli.Result result = Cli.run(supabaseMode(), clock, "set-aside");

    assertThat(result.exitCode()).isZero();
    List<String> lines = result.out().lines().toList();
    assertThat(lines.get(0))
        .startsWith("SESSION")
        .contains("OWNER", "OPERATION", "MESSAGES", "SET ASIDE AT", "REASON");
    assertThat(lines.get(1))
        .startsWith(BOBS)
        .contains(ALICE.toString())
        .containsPattern("append +2 ")
        .contains("403")
        .contains("this session id belongs to a session the caller does not own");
    assertThat(lines.get(2)).isEqualTo("1 set-aside writes");
    assertThat(result.out()).doesNotContain("text of secret-1");
  }

  @Test
  void setAside_showContent_addsTheWriteWithItsMessages() {
    aliceWriteSetAsideAndAnotherPending();

    Cli.Result result = Cli.run(supabaseMode(), clock, "set-aside", "--show-content");

    assertThat(result.out()).contains("text of secret-1").contains("text of secret-2");
  }

  @Test
  void setAside_json_carriesIdsAndReasonButNoContentUnlessAsked() throws Exception {
    aliceWriteSetAsideAndAnotherPending();

    JsonNode plain = JSON.readTree(Cli.run(supabaseMode(), clock, "set-aside", "--json").out());
    JsonNode write = plain.path("setAside").get(0);
    assertThat(write.path("sessionId").asText()).isEqualTo(BOBS);
    assertThat(write.path("owner").asText()).isEqualTo(ALICE.toString());
    assertThat(write.path("operation").asText()).isEqualTo("append");
    assertThat(write.path("messageCount").asInt()).isEqualTo(2);
    assertThat(write.path("messageIds").toString()).isEqualTo("[\"secret-1\",\"secret-2\"]");
    assertThat(write.path("reason").asText()).contains("42501");
    assertThat(write.has("write")).isFalse();

    JsonNode full =
        JSON.readTree(
            Cli.run(supabaseMode(), clock, "set-aside", "--json", "--show-content").out());
    assertThat(
            full.path("setAside")
                .get(0)
                .path("write")
                .path("messages")
                .get(0)
                .path("content")
                .asText())
        .isEqualTo("text of secret-1");
  }

  @Test
  void setAside_discardWithoutYes_exits2AndRemovesNothing() {
    aliceWriteSetAsideAndAnotherPending();

    Cli.Result result = Cli.run(supabaseMode(), clock, "set-aside", "--discard", BOBS);

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("repeat with --yes");
    assertThat(Cli.run(supabaseMode(), clock, "set-aside").out()).contains("1 set-aside writes");
  }

  @Test
  void setAside_discardWithYes_removesThemAndKeepsPendingWrites() {
    aliceWriteSetAsideAndAnotherPending();

    Cli.Result result = Cli.run(supabaseMode(), clock, "set-aside", "--discard", BOBS, "--yes");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out())
        .isEqualTo("discarded 1 set-aside writes of session " + BOBS + System.lineSeparator());
    assertThat(Cli.run(supabaseMode(), clock, "set-aside").out())
        .isEqualTo("no set-aside writes" + System.lineSeparator());
    assertThat(Cli.run(supabaseMode(), clock, "stats").out()).contains("1 writes in 1 sessions");
  }

  @Test
  void setAside_discardWithYes_json_saysHowManyWereDiscarded() throws Exception {
    aliceWriteSetAsideAndAnotherPending();

    Cli.Result result =
        Cli.run(supabaseMode(), clock, "set-aside", "--discard", BOBS, "--yes", "--json");

    assertThat(result.exitCode()).isZero();
    JsonNode document = JSON.readTree(result.out());
    assertThat(document.path("sessionId").asText()).isEqualTo(BOBS);
    assertThat(document.path("discarded").asInt()).isEqualTo(1);
  }

  @Test
  void setAside_embedded_json_listsNone() throws Exception {
    Cli.Result result =
        Cli.run(Map.of("DATA_DIR", dataDir.toString()), clock, "set-aside", "--json");

    assertThat(result.exitCode()).isZero();
    assertThat(JSON.readTree(result.out()).path("setAside").isArray()).isTrue();
    assertThat(JSON.readTree(result.out()).path("setAside")).isEmpty();
  }

  @Test
  void setAside_discardOfASessionWithoutAny_exits1() {
    aliceWriteSetAsideAndAnotherPending();

    Cli.Result result = Cli.run(supabaseMode(), clock, "set-aside", "--discard", ALICES, "--yes");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).contains("session " + ALICES + " has no set-aside writes");
    assertThat(Cli.run(supabaseMode(), clock, "stats").out()).contains("1 writes in 1 sessions");
  }

  @Test
  void setAside_discardOfAnInvalidSessionId_exits2() {
    Cli.Result result =
        Cli.run(supabaseMode(), clock, "set-aside", "--discard", "../etc/passwd", "--yes");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("--discard");
  }

  @Test
  void setAside_laterConfirmedWriteOfTheSameSession_keepsTheRecord() {
    supabase.seedSession(BOB, BOBS, "b1");
    try (GatewayRun gateway = new GatewayRun(supabase, dataDir)) {
      gateway.append(ALICE, BOBS, "refused");
      assertThat(gateway.flush().setAside()).isEqualTo(1);
      gateway.delete(BOB, BOBS);
      gateway.flush();
      gateway.append(ALICE, BOBS, "accepted");
      assertThat(gateway.flush().isComplete()).isTrue();
    }
    assertThat(supabase.session(BOBS).orElseThrow().messageIds()).containsExactly("accepted");

    Cli.Result result = Cli.run(supabaseMode(), clock, "set-aside", "--json");

    assertThat(result.out()).contains("\"refused\"");
  }

  @Test
  void setAside_recordOfAnOlderJournalUnderItsSessionsKey_survivesTheDrainOfThatSession()
      throws Exception {
    aliceWriteSetAsideAndAnotherPending();
    Path file = dataDir.resolve("journal.db");
    List<JournalEntry> entries;
    try (SqliteJournal journal = SqliteJournal.open(file)) {
      entries = journal.pending();
    }
    JournalEntry record =
        entries.stream().filter(e -> e.kind().equals("set-aside")).findFirst().orElseThrow();
    JournalEntry pending =
        entries.stream().filter(e -> e.key().equals(ALICES)).findFirst().orElseThrow();
    try (var files = Files.list(dataDir)) {
      for (Path journalFile :
          files.filter(f -> f.getFileName().toString().startsWith("journal.db")).toList()) {
        Files.delete(journalFile);
      }
    }
    // As journals written before set-aside records had keys of their own kept them: under the
    // session's key, before the session's pending write.
    try (SqliteJournal older = SqliteJournal.open(file)) {
      older.append(ALICES, record.owner(), record.kind(), record.payload());
      older.append(ALICES, pending.owner(), pending.kind(), pending.payload());
    }

    Cli.Result drained = Cli.run(Cli.supabaseMode(supabase, dataDir), clock, "drain");
    JsonNode listed = JSON.readTree(Cli.run(supabaseMode(), clock, "set-aside", "--json").out());

    assertThat(drained.exitCode()).as(drained.err()).isZero();
    assertThat(supabase.session(ALICES).orElseThrow().messageIds()).containsExactly("m1");
    assertThat(listed.path("setAside")).hasSize(1);
    assertThat(listed.path("setAside").get(0).path("sessionId").asText()).isEqualTo(ALICES);
  }

  @Test
  void setAside_embedded_saysNothingIsEverSetAside() {
    Cli.Result result = Cli.run(Map.of("DATA_DIR", dataDir.toString()), clock, "set-aside");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).contains("never set aside");
  }
}
