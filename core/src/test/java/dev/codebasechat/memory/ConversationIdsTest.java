package dev.codebasechat.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codebasechat.session.SessionId;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConversationIdsTest {
  private static final UUID ALICE = UUID.fromString("00000000-0000-4000-8000-00000000a11c");
  private static final UUID BOB = UUID.fromString("00000000-0000-4000-8000-000000000b0b");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "default",
        "42",
        "a",
        "3f2b8c1e-9d4a-4f6b-8e2d-1a2b3c4d5e6f",
        "support/ticket-1234",
        "zwölf Äpfel – ünï",
        "exactly-twenty-eight-bytes!!"
      })
  void aConversationId_namesASessionAndComesBackFromIt(String conversation) {
    SessionId session = ConversationIds.sessionOf(ALICE, conversation);

    assertThat(SessionId.FORMAT.matcher(session.value()).matches()).isTrue();
    assertThat(ConversationIds.conversationOf(ALICE, session)).isEqualTo(conversation);
    assertThat(ConversationIds.isNamedByConversation(ALICE, session)).isTrue();
  }

  @Test
  void theSameConversationIdOfTwoUsers_isTwoSessions() {
    assertThat(ConversationIds.sessionOf(ALICE, "default"))
        .isNotEqualTo(ConversationIds.sessionOf(BOB, "default"));
  }

  @Test
  void aSessionOfAnotherNamespace_isNotReadAsTheCallersConversation() {
    SessionId bobs = ConversationIds.sessionOf(BOB, "default");

    assertThat(ConversationIds.isNamedByConversation(ALICE, bobs)).isFalse();
    assertThat(ConversationIds.conversationOf(ALICE, bobs)).isEqualTo(bobs.value());
  }

  @Test
  void aGatewaySessionId_namesItself() {
    String gateway = "chat-1767225600000-k3J9xQ2mPz";

    assertThat(ConversationIds.sessionOf(ALICE, gateway).value()).isEqualTo(gateway);
    assertThat(ConversationIds.conversationOf(ALICE, SessionId.of(gateway))).isEqualTo(gateway);
  }

  @Test
  void anIdOfTheCallersOwnNamespace_isEncodedLikeAnyName_soTheMappingStaysOneToOne() {
    SessionId named = ConversationIds.sessionOf(ALICE, "default");
    String lookalike = "chat-" + ConversationIds.namespaceOf(ALICE) + "-abcdef";

    SessionId session = ConversationIds.sessionOf(ALICE, lookalike);

    assertThat(session).isNotEqualTo(SessionId.of(lookalike)).isNotEqualTo(named);
    assertThat(ConversationIds.conversationOf(ALICE, session)).isEqualTo(lookalike);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "3F2B8C1E-9D4A-4F6B-8E2D-1A2B3C4D5E6F",
        "3f2b8c1e9d4a4f6b8e2d1a2b3c4d5e6f",
        "3F2B8C1E9D4A4F6B8E2D1A2B3C4D5E6F",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "0000000000000000000000000000000000000000000000000000000a"
      })
  void aLongerIdThatIsAUuidOrHexDigits_namesASessionAndComesBackFromIt(String conversation) {
    SessionId session = ConversationIds.sessionOf(ALICE, conversation);

    assertThat(SessionId.FORMAT.matcher(session.value()).matches()).isTrue();
    assertThat(ConversationIds.conversationOf(ALICE, session)).isEqualTo(conversation);
  }

  @Test
  void aUuidInUpperCase_isAnotherConversationThanInLowerCase() {
    assertThat(ConversationIds.sessionOf(ALICE, "3F2B8C1E-9D4A-4F6B-8E2D-1A2B3C4D5E6F"))
        .isNotEqualTo(ConversationIds.sessionOf(ALICE, "3f2b8c1e-9d4a-4f6b-8e2d-1a2b3c4d5e6f"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "3f2b8c1e9d4a4f6b8e2d1a2b3c4d5e6F",
        "3f2b8c1e9d4a4f6b8e2d1a2b3c4d5e6f0",
        "00000000000000000000000000000000000000000000000000000000aa",
        "3f2b8c1e-9d4a-4f6b-8e2d-1a2b3C4d5e6f",
        "user-3f2b8c1e-9d4a-4f6b-8e2d-1a2b3c4d5e6f"
      })
  void aLongerIdOfAnyOtherForm_isRefused_sayingTheLimit(String conversation) {
    assertThatThrownBy(() -> ConversationIds.sessionOf(ALICE, conversation))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("a conversation id must take at most 28 bytes of UTF-8");
  }

  @Test
  void aConversationIdLongerThan28Bytes_isRefused_sayingTheLimit() {
    assertThatThrownBy(() -> ConversationIds.sessionOf(ALICE, "x".repeat(29)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "a conversation id must take at most 28 bytes of UTF-8 (or be a UUID) but took 29");
  }

  @Test
  void anEmptyConversationId_isRefused() {
    assertThatThrownBy(() -> ConversationIds.sessionOf(ALICE, ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a conversation id must not be empty");
  }
}
