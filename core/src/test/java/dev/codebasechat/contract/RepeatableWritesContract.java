package dev.codebasechat.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Clears and deletes named by an id ({@code clear_chat_history(p_session_id, p_clear_id)}, {@code
 * delete_chat_session(p_session_id, p_delete_id)}), on the tables a gateway reaches over HTTP,
 * where an answer can be lost after the write committed and the write is then sent again. ({@code
 * LocalSessionTable} answers in process: it has no such ids.)
 */
interface RepeatableWritesContract {

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
  default void clear_sentAgainAfterAnotherClear_stillErasesNothingStoredSince() {
    UUID owner = table().newUser();
    String id = SessionTableContract.newSessionId();
    append(owner, id, SessionTableContract.messages("a"));
    UUID first = UUID.randomUUID();
    table().clear(owner, id, first);
    table().clear(owner, id, UUID.randomUUID()); // another instance's clear
    append(owner, id, SessionTableContract.messages("b"));

    table().clear(owner, id, first);

    assertThat(storedIds(owner, id)).containsExactly("b");
  }

  @Test
  default void clear_ofASessionDeletedAndStartedAgain_sentAgain_erasesNothingOfTheNewOne() {
    UUID owner = table().newUser();
    String id = SessionTableContract.newSessionId();
    append(owner, id, SessionTableContract.messages("a"));
    UUID clearId = UUID.randomUUID();
    table().clear(owner, id, clearId);
    table().delete(owner, id);
    append(owner, id, SessionTableContract.messages("b"));

    table().clear(owner, id, clearId);

    assertThat(storedIds(owner, id)).containsExactly("b");
  }

  @Test
  default void clear_thatFoundNoSession_sentAgainOnceItIsStarted_erasesNothing() {
    UUID owner = table().newUser();
    String id = SessionTableContract.newSessionId();
    UUID clearId = UUID.randomUUID();
    assertThat(table().clear(owner, id, clearId)).isEmpty();
    append(owner, id, SessionTableContract.messages("a"));

    table().clear(owner, id, clearId);

    assertThat(storedIds(owner, id)).containsExactly("a");
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

  @Test
  default void delete_sentAgainWithItsId_isTrue_andLeavesTheSessionStartedAgainUnderTheId() {
    UUID owner = table().newUser();
    String id = SessionTableContract.newSessionId();
    append(owner, id, SessionTableContract.messages("a"));
    UUID deleteId = UUID.randomUUID();
    assertThat(table().delete(owner, id, deleteId)).isTrue();
    append(owner, id, SessionTableContract.messages("b"));

    boolean again = table().delete(owner, id, deleteId);

    assertThat(again).isTrue();
    assertThat(storedIds(owner, id)).containsExactly("b");
  }

  @Test
  default void delete_sentAgainAfterAnotherDelete_leavesTheSessionStartedAgain() {
    UUID owner = table().newUser();
    String id = SessionTableContract.newSessionId();
    append(owner, id, SessionTableContract.messages("a"));
    UUID first = UUID.randomUUID();
    table().delete(owner, id, first);
    append(owner, id, SessionTableContract.messages("b"));
    table().delete(owner, id, UUID.randomUUID()); // another instance's delete
    append(owner, id, SessionTableContract.messages("c"));

    assertThat(table().delete(owner, id, first)).isTrue();
    assertThat(storedIds(owner, id)).containsExactly("c");
  }

  @Test
  default void delete_thatFoundNoSession_sentAgainOnceItIsStarted_deletesNothing() {
    UUID owner = table().newUser();
    String id = SessionTableContract.newSessionId();
    UUID deleteId = UUID.randomUUID();
    assertThat(table().delete(owner, id, deleteId)).isFalse();
    append(owner, id, SessionTableContract.messages("a"));

    assertThat(table().delete(owner, id, deleteId)).as("answered as it did").isFalse();
    assertThat(storedIds(owner, id)).containsExactly("a");
  }

  @Test
  default void delete_withAnotherId_deletesTheSessionStartedAgain() {
    UUID owner = table().newUser();
    String id = SessionTableContract.newSessionId();
    append(owner, id, SessionTableContract.messages("a"));
    table().delete(owner, id, UUID.randomUUID());
    append(owner, id, SessionTableContract.messages("b"));

    assertThat(table().delete(owner, id, UUID.randomUUID())).isTrue();
    assertThat(table().fetch(owner, id)).isEmpty();
  }

  @Test
  default void delete_withAnId_ofAMissingSession_isFalse() {
    UUID owner = table().newUser();

    assertThat(table().delete(owner, SessionTableContract.newSessionId(), UUID.randomUUID()))
        .isFalse();
  }

  @Test
  default void delete_withAnId_ofAnotherUsersSession_isFalse_andChangesNothing() {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String id = SessionTableContract.newSessionId();
    append(alice, id, SessionTableContract.messages("a"));
    UUID deleteId = UUID.randomUUID();

    assertThat(table().delete(bob, id, deleteId)).isFalse();
    assertThat(table().delete(bob, id, deleteId)).isFalse();
    assertThat(storedIds(alice, id)).containsExactly("a");
  }

  @Test
  default void delete_anIdRecordedForAnotherUser_doesNotCountForThisOne() {
    UUID alice = table().newUser();
    UUID bob = table().newUser();
    String id = SessionTableContract.newSessionId();
    append(alice, id, SessionTableContract.messages("a"));
    UUID deleteId = UUID.randomUUID();
    table().delete(alice, id, deleteId);
    append(bob, id, SessionTableContract.messages("b"));

    assertThat(table().delete(bob, id, deleteId)).isTrue();
    assertThat(table().fetch(bob, id)).isEmpty();
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
