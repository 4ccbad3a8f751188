package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.session.internal.PendingOp;
import dev.codebasechat.session.internal.SessionCodec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SessionCodecTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void row_asPostgrestReturnsIt_becomesASession() throws Exception {
    ChatSession session =
        SessionCodec.sessionFromRow(
            json(
                """
        {"session_id":"chat-1705622400000-abc123xyz","user_id":"a11ce000-0000-4000-8000-000000000001",
         "repo":"acme/api","current_file":null,
         "conversation_history":[{"id":"m1","role":"user","content":"hi","timestamp":"2025-01-18T12:00:00.000Z",
                                  "code":{"lang":"java"}}],
         "context_cache":{"k":1},"metadata":{},"message_count":1,"version":7,
         "last_activity":"2025-01-18T12:00:01.5+00:00"}"""));

    assertThat(session.repo()).contains("acme/api");
    assertThat(session.currentFile()).isEmpty();
    assertThat(session.version()).isEqualTo(7);
    assertThat(session.lastActivity()).contains(Instant.parse("2025-01-18T12:00:01.500Z"));
    assertThat(session.messages())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.id().value()).isEqualTo("m1");
              assertThat(m.code())
                  .hasValueSatisfying(
                      code -> assertThat(code.path("lang").asText()).isEqualTo("java"));
            });
  }

  @Test
  void legacyMessagesWithoutIds_getStablePositionalIds() throws Exception {
    List<ChatMessage> messages =
        SessionCodec.messagesFromJson(
            json(
                """
        [{"role":"user","content":"a","timestamp":"2025-01-18T12:00:00Z"},
         {"role":"assistant","content":"b","timestamp":1705579200000}]"""));

    assertThat(messages).extracting(m -> m.id().value()).containsExactly("legacy-0", "legacy-1");
    assertThat(messages.get(1).timestamp()).isEqualTo(Instant.ofEpochMilli(1705579200000L));
  }

  @Test
  void malformedMessage_namesTheFieldAndPosition() {
    assertThatThrownBy(() -> SessionCodec.messagesFromJson(json("[{\"role\":\"user\"}]")))
        .hasMessage("field content of item 0 must be a string");
    assertThatThrownBy(() -> SessionCodec.messagesFromJson(json("{}")))
        .hasMessage("conversation_history must be a JSON array");
  }

  @Test
  void appendArguments_carryOnlyTheNewMessages() throws Exception {
    ChatMessage message =
        new ChatMessage(
            MessageId.of("m9"),
            Role.USER,
            "x",
            Instant.parse("2026-01-01T00:00:00Z"),
            Optional.empty());

    JsonNode args =
        SessionCodec.appendArguments(
            SessionId.of("chat-1-abcdef"), List.of(message), Optional.of("r"), Optional.empty());

    assertThat(args)
        .isEqualTo(
            json(
                """
        {"p_session_id":"chat-1-abcdef",
         "p_messages":[{"id":"m9","role":"user","content":"x","timestamp":"2026-01-01T00:00:00.000000Z"}],
         "p_repo":"r","p_current_file":null}"""));
  }

  @Test
  void aJournaledClear_keepsItsId_soEveryTryAfterARestartIsTheSameClear() {
    PendingOp.Clear asked = PendingOp.Clear.asked();

    PendingOp read = SessionCodec.opFromJson(entry("clear", SessionCodec.opToJson(asked), 7));

    assertThat(read).isEqualTo(asked);
  }

  @Test
  void aClearOrDeleteJournaledWithoutAnId_getsTheSameIdAtEveryRead_fromItsEntry() {
    byte[] none = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    PendingOp once = SessionCodec.opFromJson(entry("clear", none, 7));
    PendingOp again = SessionCodec.opFromJson(entry("clear", none, 7));
    PendingOp another = SessionCodec.opFromJson(entry("clear", none, 8));
    PendingOp delete = SessionCodec.opFromJson(entry("delete", none, 7));

    assertThat(again).isEqualTo(once);
    assertThat(another).isNotEqualTo(once);
    assertThat(delete).isInstanceOf(PendingOp.Delete.class);
  }

  @Test
  void aJournaledClear_withAMalformedId_isRefusedAsMalformed() {
    for (String payload : List.of("{\"clear_id\":\"nope\"}", "{\"clear_id\":7}")) {
      assertThatThrownBy(
              () ->
                  SessionCodec.opFromJson(
                      entry("clear", payload.getBytes(java.nio.charset.StandardCharsets.UTF_8), 1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static dev.codebasechat.journal.JournalEntry entry(
      String kind, byte[] payload, long sequence) {
    return new dev.codebasechat.journal.JournalEntry(
        sequence,
        "chat-1767225600000-codec001",
        java.util.UUID.fromString("a11ce000-0000-4000-8000-000000000001"),
        kind,
        payload,
        Instant.EPOCH);
  }
}
