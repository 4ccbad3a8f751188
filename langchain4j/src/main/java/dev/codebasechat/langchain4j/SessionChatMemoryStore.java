package dev.codebasechat.langchain4j;

import dev.codebasechat.SystemTime;
import dev.codebasechat.memory.CallerContext;
import dev.codebasechat.memory.ConversationIds;
import dev.codebasechat.memory.ConversationMemory;
import dev.codebasechat.memory.StoredMessage;
import dev.codebasechat.session.SessionStore;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A LangChain4j {@link ChatMemoryStore} that keeps every user's conversations in their own
 * sessions, append-only. Give it to {@code MessageWindowChatMemory} (or any memory), as the README
 * shows:
 *
 * <ul>
 *   <li>{@link #getMessages} returns the window last saved, not the whole history;
 *   <li>{@link #updateMessages} appends what the session does not hold yet and keeps what fell out
 *       of the window: a shorter list never deletes history;
 *   <li>{@link #deleteMessages} (what {@code ChatMemory.clear()} calls) deletes the conversation
 *       with its whole history.
 * </ul>
 *
 * <p>The memory id is the conversation id of the caller {@link CallerContext} binds on the calling
 * thread: the same memory id of two users is two conversations ({@link ConversationIds}), and a
 * call without a bound caller throws {@link IllegalStateException}. Memory ids are turned into text
 * with {@link String#valueOf}: {@code 42} and {@code "42"} are one conversation.
 *
 * <p>Every message type of LangChain4j (user messages with names, images or several contents, AI
 * messages with tool execution requests, system messages, tool results, custom messages) reads back
 * equal, with a stable id and the time it was first stored ({@link #windowEntries}). The
 * asynchronous methods that LangChain4j 1.23 added to the interface are implemented too, without
 * blocking. Failures are those of {@link SessionStore}. Thread-safe.
 */
public final class SessionChatMemoryStore implements ChatMemoryStore {
  private final ConversationMemory<ChatMessage> memory;

  private SessionChatMemoryStore(ConversationMemory<ChatMessage> memory) {
    this.memory = memory;
  }

  /** A store over {@code store}, stamping new messages with {@code clock}'s time. */
  public static SessionChatMemoryStore over(SessionStore store, Clock clock) {
    return new SessionChatMemoryStore(
        ConversationMemory.of(store, new LangChain4jMessageCodec(), clock));
  }

  /** A store over {@code store}, stamping new messages with the system clock's time. */
  public static SessionChatMemoryStore over(SessionStore store) {
    return over(store, SystemTime.clock());
  }

  /**
   * {@code model}, whose response handlers run with the caller that was bound when it was called:
   * give it to a streaming AI service ({@code AiServices.builder(…).streamingChatModel(…)}), which
   * adds the answer to the memory on the model client's own thread, where nothing is bound (without
   * it, the answer is not kept: an {@link IllegalStateException} is thrown into the model client's
   * callback). The caller goes with the request, never with the memory id, and is unbound again
   * after each callback. Every other method is the model's own.
   */
  public static StreamingChatModel carryingTheCaller(StreamingChatModel model) {
    return CallerCarrier.around(model);
  }

  @Override
  public List<ChatMessage> getMessages(Object memoryId) {
    requireCaller();
    return new ArrayList<>(memory.window(conversationId(memoryId)));
  }

  @Override
  public void updateMessages(Object memoryId, List<ChatMessage> messages) {
    requireCaller();
    memory.saveWindow(conversationId(memoryId), messages);
  }

  @Override
  public void deleteMessages(Object memoryId) {
    requireCaller();
    memory.delete(conversationId(memoryId));
  }

  /** {@link #getMessages} without blocking (LangChain4j 1.23's {@code getMessagesAsync}). */
  public CompletableFuture<List<ChatMessage>> getMessagesAsync(Object memoryId) {
    return started(() -> memory.windowAsync(conversationId(memoryId))).thenApply(ArrayList::new);
  }

  /** {@link #updateMessages} without blocking (LangChain4j 1.23's {@code updateMessagesAsync}). */
  public CompletableFuture<Void> updateMessagesAsync(Object memoryId, List<ChatMessage> messages) {
    return started(() -> memory.saveWindowAsync(conversationId(memoryId), messages));
  }

  /** {@link #deleteMessages} without blocking (LangChain4j 1.23's {@code deleteMessagesAsync}). */
  public CompletableFuture<Void> deleteMessagesAsync(Object memoryId) {
    return started(() -> memory.deleteAsync(conversationId(memoryId)));
  }

  /**
   * {@code call}'s future once a caller is known to be bound, or one failed with what was refused:
   * as LangChain4j's own async defaults do, a refusal is reported through the future, never thrown.
   */
  private static <T> CompletableFuture<T> started(
      java.util.function.Supplier<CompletableFuture<T>> call) {
    try {
      requireCaller();
      return call.get();
    } catch (RuntimeException refused) {
      return CompletableFuture.failedFuture(refused);
    }
  }

  /** The window with each message's stable id and first-stored time. */
  public List<StoredMessage<ChatMessage>> windowEntries(Object memoryId) {
    return memory.windowEntries(conversationId(memoryId));
  }

  /** Every message of the conversation, those that fell out of the window included. */
  public List<StoredMessage<ChatMessage>> history(Object memoryId) {
    return memory.history(conversationId(memoryId));
  }

  /** The memory ids of the caller's conversations, most recently active first. */
  public List<String> memoryIds() {
    return memory.conversationIds();
  }

  /**
   * @throws IllegalStateException naming the remedies when no caller is bound on this thread
   */
  private static void requireCaller() {
    if (CallerContext.current().isEmpty()) {
      throw new IllegalStateException(
          "no caller is bound to this thread: bind the verified user with"
              + " CallerContext.bind(caller) around the request, wrap work handed to other threads"
              + " with CallerContext.wrap, and give a streaming AI service its model through"
              + " SessionChatMemoryStore.carryingTheCaller(model)");
    }
  }

  private static String conversationId(Object memoryId) {
    return String.valueOf(memoryId);
  }
}
