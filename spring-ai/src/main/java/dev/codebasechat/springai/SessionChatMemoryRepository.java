package dev.codebasechat.springai;

import dev.codebasechat.SystemTime;
import dev.codebasechat.memory.CallerContext;
import dev.codebasechat.memory.ConversationIds;
import dev.codebasechat.memory.ConversationMemory;
import dev.codebasechat.memory.StoredMessage;
import dev.codebasechat.session.SessionStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.messages.Message;
import org.springframework.util.Assert;

/**
 * A Spring AI {@link ChatMemoryRepository} that keeps every user's conversations in their own
 * sessions, append-only. Spring AI's {@code MessageWindowChatMemory} reads the window, adds to it,
 * trims it and saves it whole; here:
 *
 * <ul>
 *   <li>{@link #findByConversationId} returns the window last saved, not the whole history;
 *   <li>{@link #saveAll} appends what the session does not hold yet and keeps what fell out of the
 *       window: a shorter list, even an empty one, never deletes history (unlike {@code
 *       JdbcChatMemoryRepository}, which deletes and inserts again);
 *   <li>{@link #deleteByConversationId} (what {@code ChatMemory.clear} calls) deletes the
 *       conversation with its whole history.
 * </ul>
 *
 * <p>The conversation id is one of the caller {@link CallerContext} binds: the same id of two users
 * is two conversations ({@link ConversationIds}), {@link #findConversationIds} lists only the
 * caller's, and a call without a bound caller throws {@link IllegalStateException}. Streaming
 * advisors save on Reactor's threads: the binding travels there through Micrometer's context
 * propagation (this module registers it), as the README shows.
 *
 * <p>User, assistant (with tool calls and media), system and tool response messages read back
 * equal, with a stable id and the time they were first stored ({@link #windowEntries}). Failures
 * are those of {@link SessionStore}. Arguments are checked as Spring AI's own repositories check
 * them, before anything is read or stored: a {@code null} or blank conversation id, a {@code null}
 * message list or a {@code null} message in it is an {@link IllegalArgumentException}. Thread-safe.
 */
public final class SessionChatMemoryRepository implements ChatMemoryRepository {
  private final ConversationMemory<Message> memory;

  private SessionChatMemoryRepository(ConversationMemory<Message> memory) {
    this.memory = memory;
  }

  /** A repository over {@code store}, stamping new messages with {@code clock}'s time. */
  public static SessionChatMemoryRepository over(SessionStore store, Clock clock) {
    return new SessionChatMemoryRepository(
        ConversationMemory.of(store, new SpringAiMessageCodec(), clock));
  }

  /** A repository over {@code store}, stamping new messages with the system clock's time. */
  public static SessionChatMemoryRepository over(SessionStore store) {
    return over(store, SystemTime.clock());
  }

  @Override
  public List<String> findConversationIds() {
    return memory.conversationIds();
  }

  @Override
  public List<Message> findByConversationId(String conversationId) {
    checkConversationId(conversationId);
    return new ArrayList<>(memory.window(conversationId));
  }

  @Override
  public void saveAll(String conversationId, List<Message> messages) {
    checkConversationId(conversationId);
    Assert.notNull(messages, "messages cannot be null");
    Assert.noNullElements(messages, "messages cannot contain null elements");
    memory.saveWindow(conversationId, messages);
  }

  @Override
  public void deleteByConversationId(String conversationId) {
    checkConversationId(conversationId);
    memory.delete(conversationId);
  }

  /** The window with each message's stable id and first-stored time. */
  public List<StoredMessage<Message>> windowEntries(String conversationId) {
    checkConversationId(conversationId);
    return memory.windowEntries(conversationId);
  }

  /** Every message of the conversation, those that fell out of the window included. */
  public List<StoredMessage<Message>> history(String conversationId) {
    checkConversationId(conversationId);
    return memory.history(conversationId);
  }

  /**
   * The words of Spring AI's own repositories, so that callers see one refusal whichever is used.
   */
  private static void checkConversationId(String conversationId) {
    Assert.hasText(conversationId, "conversationId cannot be null or empty");
  }
}
