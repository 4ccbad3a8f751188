package dev.codebasechat.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The clear named by an id ({@code clear_chat_history(p_session_id, p_clear_id)}), on the tables a
 * gateway reaches over HTTP, where an answer can be lost after the clear committed and the clear is
 * then sent again. ({@code LocalSessionTable} answers in process: it has no such ids.)
 */
interface NamedClearContract {

  /** The table under test, through PostgREST. */
  PostgrestChatTable table();

  @Test
  default void clear_sentAgainWithItsId_erasesNothingStoredSince_andAnswersTheSessionAsItIs() {
    UUID owner = table().newUser();
    String id = SessionTableContract.newSessionId();
    append(owner, id, SessionTableContract.messages("a", "b"));
    UUID clearId = UUID.randomUUID();
    assertThat(table().clear(owner, id, clearId)).contains(new ChatTable.Versioned(2, 0));
    append(owner, id, SessionTableContract.messages("c"));

    Optional<ChatTable.Versioned> again = table().clear(owner, id, clearId);

    assertThat(again).contains(new ChatTable.Versioned(3, 1));
    assertThat(storedIds(owner, id)).containsExactly("c");
  }

  @Test
  default void clear_withAnotherId_clearsAgain() {
    UUID owner = table().newUser();
    String id = SessionTableContract.newSessionId();
    append(owner, id, SessionTableContract.messages("a"));
    table().clear(owner, id, UUID.randomUUID());
    append(owner, id, SessionTableContract.messages("b"));

    assertThat(table().clear(owner, id, UUID.randomUUID())).contains(new ChatTable.Versioned(4, 0));
    assertThat(storedIds(owner, id)).isEmpty();
  }

  @Test
  default void clear_withoutAnId_clearsEveryTime_asBefore() {
    UUID owner = table().newUser();
    String id = SessionTableContract.newSessionId();
    append(owner, id, SessionTableContract.messages("a"));
    table().clear(owner, id, UUID.randomUUID());
    append(owner, id, SessionTableContract.messages("b"));

    assertThat(table().clear(owner, id)).contains(new ChatTable.Versioned(4, 0));
    assertThat(storedIds(owner, id)).isEmpty();
  }

  @Test
  default void clear_withAnId_ofAnotherUsersSession_isEmpty_andChangesNothing() {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String id = SessionTableContract.newSessionId();
    append(alice, id, SessionTableContract.messages("a"));

    assertThat(table().clear(bob, id, UUID.randomUUID())).isEmpty();
    assertThat(storedIds(alice, id)).containsExactly("a");
  }

  private void append(UUID owner, String id, ArrayNode messages) {
    table().append(owner, id, messages, Optional.empty(), Optional.empty());
  }

  private List<String> storedIds(UUID owner, String id) {
    List<String> ids = new ArrayList<>();
    table()
        .fetch(owner, id)
        .orElseThrow()
        .get("conversation_history")
        .forEach(m -> ids.add(m.get("id").asText()));
    return ids;
  }
}
