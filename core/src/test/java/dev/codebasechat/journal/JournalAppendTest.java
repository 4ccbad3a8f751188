package dev.codebasechat.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@link Journal.Append} is a value: compared by the payload's content, never shared with its
 * caller, and printed without the payload (a user's messages stay out of logs).
 */
class JournalAppendTest {
  private static final UUID OWNER = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final String KEY = "chat-1767225600000-append01";

  private static Journal.Append append(String payload) {
    return new Journal.Append(KEY, OWNER, "append", payload.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void twoAppendsOfEqualContent_areEqual_withOneHashCode() {
    assertThat(append("{\"m\":1}")).isEqualTo(append("{\"m\":1}"));
    assertThat(append("{\"m\":1}")).hasSameHashCodeAs(append("{\"m\":1}"));
    assertThat(append("{\"m\":1}")).isNotEqualTo(append("{\"m\":2}"));
  }

  @Test
  void thePayload_isCopiedInAndOut() {
    byte[] given = "{\"m\":1}".getBytes(StandardCharsets.UTF_8);
    Journal.Append entry = new Journal.Append(KEY, OWNER, "append", given);

    given[0] = 'X';
    entry.payload()[1] = 'Y';

    assertThat(new String(entry.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"m\":1}");
  }

  @Test
  void itsText_namesTheEntry_butNotThePayload() {
    assertThat(append("a private message").toString())
        .isEqualTo("Append[key=" + KEY + ", owner=" + OWNER + ", kind=append, payload=17 bytes]")
        .doesNotContain("private");
  }
}
