package dev.codebasechat.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.google.common.collect.Lists;
import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.memory.internal.MemoryView;
import dev.codebasechat.memory.internal.MessageIds;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import dev.codebasechat.session.SessionPage;
import dev.codebasechat.session.SessionQuery;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.session.SessionSummary;
import dev.codebasechat.session.SessionUnavailableException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A framework's chat memory kept in the caller's sessions, append-only: the framework hands over
 * its window (the messages it wants the model to see next), and the memory compares it with what
 * the session holds. Messages new to the window are appended, in one idempotent append (or several
 * in a row, past the store's {@link SessionStore#maxMessagesPerAppend()}); messages that fell out
 * of the window stay in the history; the window itself is remembered as a view of the history and
 * is what {@link #window} returns. Shrinking a window never deletes a message: only {@link #delete}
 * does, and it deletes the whole conversation.
 *
 * <p>Every call acts for the caller {@link CallerContext} binds on the calling thread (it throws
 * {@link IllegalStateException} when none is), on the session {@link ConversationIds} names for
 * that caller. Another user's conversation is never read: a conversation id of another user's
 * session reads as an empty conversation, and writing to it fails with {@link
 * SessionNotFoundException}, as the store answers for a missing session.
 *
 * <p>Costs: a read is the store's read (from its cache after the first, as every read of the
 * store); a save that adds messages is one append per {@link SessionStore#maxMessagesPerAppend()}
 * of them, a save that only drops messages from the window is one metadata update, a save that
 * changes nothing writes nothing. Failures are the store's ({@code SessionUnavailableException} and
 * the rest of {@code SessionException}), unwrapped by the blocking forms.
 *
 * <p>Thread-safe. The asynchronous forms read the caller before they return.
 *
 * @param <M> the framework's message type
 */
public final class ConversationMemory<M> {
  private static final int PAGE_SIZE = 200;

  private final SessionStore store;
  private final MessageCodec<M> codec;
  private final Clock clock;

  private ConversationMemory(SessionStore store, MessageCodec<M> codec, Clock clock) {
    this.store = store;
    this.codec = codec;
    this.clock = clock;
  }

  /** A memory over {@code store} storing messages with {@code codec}, timed by {@code clock}. */
  public static <M> ConversationMemory<M> of(
      SessionStore store, MessageCodec<M> codec, Clock clock) {
    return new ConversationMemory<>(store, codec, clock);
  }

  /** The window last saved for the caller's conversation; empty for a conversation never saved. */
  public List<M> window(String conversationId) {
    return FutureResults.join(windowAsync(conversationId));
  }

  /** {@link #window} without blocking. */
  public CompletableFuture<List<M>> windowAsync(String conversationId) {
    return windowEntriesAsync(conversationId)
        .thenApply(entries -> entries.stream().map(StoredMessage::message).toList());
  }

  /** The window with each message's stable id and first-stored time. */
  public List<StoredMessage<M>> windowEntries(String conversationId) {
    return FutureResults.join(windowEntriesAsync(conversationId));
  }

  /** {@link #windowEntries} without blocking. */
  public CompletableFuture<List<StoredMessage<M>>> windowEntriesAsync(String conversationId) {
    return started(() -> windowEntriesOf(conversationId));
  }

  private CompletableFuture<List<StoredMessage<M>>> windowEntriesOf(String conversationId) {
    Caller caller = CallerContext.require();
    SessionId id = ConversationIds.sessionOf(caller.userId(), conversationId);
    return session(caller, id)
        .thenApply(
            session -> {
              List<StoredMessage<M>> entries = new ArrayList<>();
              for (int at : MemoryView.positions(session.messages(), session.metadata())) {
                entries.add(entry(session.messages().get(at)));
              }
              return entries;
            });
  }

  /**
   * Every message of the caller's conversation, those outside the window included, in the history's
   * order.
   */
  public List<StoredMessage<M>> history(String conversationId) {
    Caller caller = CallerContext.require();
    SessionId id = ConversationIds.sessionOf(caller.userId(), conversationId);
    ChatSession session = FutureResults.join(session(caller, id));
    return session.messages().stream().map(this::entry).toList();
  }

  /**
   * Makes {@code window} the caller's conversation's window: appends the messages the session does
   * not hold yet (creating the session on first use) and remembers the window as a view.
   *
   * @throws IllegalArgumentException if a message cannot be stored (the codec says why), or the
   *     conversation id is refused by {@link ConversationIds}; nothing is written then
   */
  public void saveWindow(String conversationId, List<M> window) {
    FutureResults.join(saveWindowAsync(conversationId, window));
  }

  /**
   * {@link #saveWindow} without blocking; a message that cannot be stored fails the future, and
   * nothing of the window is written then.
   */
  public CompletableFuture<Void> saveWindowAsync(String conversationId, List<M> window) {
    return started(() -> saveWindowOf(conversationId, window));
  }

  private CompletableFuture<Void> saveWindowOf(String conversationId, List<M> window) {
    Caller caller = CallerContext.require();
    SessionId id = ConversationIds.sessionOf(caller.userId(), conversationId);
    List<M> wanted = List.copyOf(window);
    return stored(caller, id)
        .thenCompose(
            found -> {
              ChatSession session = found.orElseGet(() -> ChatSession.empty(id, caller.userId()));
              // Every message is encoded (and a refusal thrown) before anything is written.
              Plan plan = plan(id, session, wanted);
              if (found.isPresent() || wanted.isEmpty()) {
                return plan.write(store, caller, id);
              }
              // A new conversation is created in the database now: an id another user holds is
              // refused at once (not set aside later by the write-behind), and the store holds
              // the session from here on, so the framework's next reads cost no request.
              return store
                  .createAsync(caller, id)
                  .handle(
                      (created, failure) -> {
                        if (failure != null
                            && !(FutureResults.unwrap(failure)
                                    instanceof SessionUnavailableException
                                && ConversationIds.isNamedByConversation(caller.userId(), id))) {
                          throw FutureResults.rethrow(failure);
                        }
                        // Created, or the database is unreachable and the id is the caller's own
                        // name: the write-behind creates it once the database is back.
                        return plan.write(store, caller, id);
                      })
                  .thenCompose(Function.identity());
            });
  }

  /** What saving a window writes, decided (and every new message encoded) before anything is. */
  private sealed interface Plan {
    CompletableFuture<Void> write(SessionStore store, Caller caller, SessionId id);

    /** The window is already the session's view. */
    record Nothing() implements Plan {
      @Override
      public CompletableFuture<Void> write(SessionStore store, Caller caller, SessionId id) {
        return CompletableFuture.completedFuture(null);
      }
    }

    /** No message is new, but the view changes: it goes into the session's metadata. */
    record NewView(ContextUpdate update) implements Plan {
      @Override
      public CompletableFuture<Void> write(SessionStore store, Caller caller, SessionId id) {
        return store.updateContextAsync(caller, id, update).thenApply(read -> null);
      }
    }

    /**
     * Messages new to the session, in appends the store takes (in order, one after the other), the
     * last message carrying the view when it changes. Each append is idempotent (message ids are
     * derived from the conversation), so a save that failed part way is completed by saving again.
     */
    record NewMessages(List<Append> appends) implements Plan {
      @Override
      public CompletableFuture<Void> write(SessionStore store, Caller caller, SessionId id) {
        CompletableFuture<Void> written = CompletableFuture.completedFuture(null);
        for (Append append : appends) {
          written =
              written.thenCompose(
                  done -> store.appendAsync(caller, id, append).thenApply(receipt -> null));
        }
        return written;
      }
    }
  }

  /**
   * @throws IllegalArgumentException if a message new to the session cannot be stored (the codec
   *     refuses it, or it is over the store's size limit)
   */
  private Plan plan(SessionId id, ChatSession session, List<M> wanted) {
    List<ChatMessage> history = session.messages();
    // The history is in time order and the view read by position: a new message stamped before
    // the last one (another instance's clock ahead of this one's) would land inside the history,
    // not at its end. Each new message is stamped after the one before it, never at the same time:
    // a tie is ambiguous to every other instance's cache, which would read the whole history again.
    Instant previousTime =
        history.isEmpty() ? Instant.MIN : history.get(history.size() - 1).timestamp();
    List<Integer> viewed = MemoryView.positions(history, session.metadata());
    Set<MessageId> inHistory = new HashSet<>();
    history.forEach(message -> inHistory.add(message.id()));
    List<MessageId> window = new ArrayList<>(wanted.size());
    List<ChatMessage> fresh = new ArrayList<>();
    int next = 0; // the first view position a wanted message may still match
    String previous = "";
    for (int i = 0; i < wanted.size(); i++) {
      MessageId matched = null;
      for (int v = next; v < viewed.size() && matched == null; v++) {
        ChatMessage held = history.get(viewed.get(v));
        if (codec.same(decode(held), wanted.get(i))) {
          matched = held.id();
          next = v + 1;
        }
      }
      if (matched == null) {
        // Only messages new to the view are encoded: a save costs what it adds.
        ChatMessage added =
            stored(id, previous, wanted.get(i), codec.encode(wanted.get(i)), previousTime);
        previousTime = added.timestamp();
        matched = added.id();
        // The history may hold it already, outside the view: the same message after the same one
        // (a system message changed back, a window cut back to where it was). The view points at
        // that message again; appended, it would be skipped as a duplicate with the view it
        // carries.
        if (!inHistory.contains(matched)) {
          fresh.add(added);
        }
      }
      window.add(matched);
      previous = matched.value();
    }
    if (fresh.isEmpty()) {
      List<MessageId> before = viewed.stream().map(at -> history.get(at).id()).toList();
      if (window.equals(before) || history.isEmpty()) {
        return new Plan.Nothing();
      }
      ArrayNode runs = MemoryView.runs(window, history);
      MessageId last = history.get(history.size() - 1).id();
      return new Plan.NewView(
          new ContextUpdate(
              Optional.empty(),
              Optional.empty(),
              Optional.empty(),
              Optional.of(MemoryView.metadataWith(session.metadata(), last, runs))));
    }
    List<ChatMessage> after = new ArrayList<>(history);
    after.addAll(fresh);
    if (!readsAs(after, session.metadata(), window)) {
      ChatMessage last = fresh.get(fresh.size() - 1);
      ArrayNode runs = MemoryView.runs(window, after);
      Optional<JsonNode> payload = MemoryView.payloadOf(last);
      fresh.set(
          fresh.size() - 1,
          new ChatMessage(
              last.id(),
              last.role(),
              last.content(),
              last.timestamp(),
              MemoryView.attachment(payload, Optional.of(runs))));
    }
    List<Append> appends = new ArrayList<>();
    for (List<ChatMessage> part : Lists.partition(fresh, store.maxMessagesPerAppend())) {
      appends.add(Append.of(part));
    }
    return new Plan.NewMessages(appends);
  }

  /** Now, or a microsecond (what the table keeps) after {@code previous} when now is not later. */
  private Instant stampAfter(Instant previous) {
    Instant now = clock.instant();
    if (previous.equals(Instant.MIN)) {
      return now;
    }
    Instant next = previous.truncatedTo(ChronoUnit.MICROS).plus(1, ChronoUnit.MICROS);
    return now.isBefore(next) ? next : now;
  }

  /** Whether {@code history} without a new view already reads as {@code window}. */
  private static boolean readsAs(
      List<ChatMessage> history, JsonNode metadata, List<MessageId> window) {
    List<Integer> positions = MemoryView.positions(history, metadata);
    if (positions.size() != window.size()) {
      return false;
    }
    for (int i = 0; i < positions.size(); i++) {
      if (!history.get(positions.get(i)).id().equals(window.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** {@code message} as a session message: its payload only when the text alone would lose some. */
  private ChatMessage stored(
      SessionId id, String previous, M message, MessageCodec.Encoded encoded, Instant after) {
    boolean plain =
        codec.same(codec.decode(encoded.role(), encoded.text(), Optional.empty()), message);
    Optional<JsonNode> payload = plain ? Optional.empty() : Optional.of(encoded.payload());
    MessageId messageId =
        MessageIds.derive(
            id,
            previous,
            encoded.role().wireName()
                + '\n'
                + encoded.text()
                + '\n'
                + payload.map(JsonNode::toString).orElse(""));
    return new ChatMessage(
        messageId,
        encoded.role(),
        encoded.text(),
        stampAfter(after),
        MemoryView.attachment(payload, Optional.empty()));
  }

  /**
   * Deletes the caller's conversation: its whole history, not only the window. Deleting a
   * conversation that does not exist does nothing.
   */
  public void delete(String conversationId) {
    FutureResults.join(deleteAsync(conversationId));
  }

  /** {@link #delete} without blocking. */
  public CompletableFuture<Void> deleteAsync(String conversationId) {
    return started(() -> deleteOf(conversationId));
  }

  private CompletableFuture<Void> deleteOf(String conversationId) {
    Caller caller = CallerContext.require();
    SessionId id = ConversationIds.sessionOf(caller.userId(), conversationId);
    return store
        .deleteAsync(caller, id)
        .exceptionally(
            failure -> {
              if (FutureResults.unwrap(failure) instanceof SessionNotFoundException) {
                return null;
              }
              throw FutureResults.rethrow(failure);
            });
  }

  /**
   * The conversation ids of every session of the caller, most recently active first (a session
   * created through the gateway lists as its session id). Reads the session list 200 at a time, so
   * the Data API's max rows must be 200 or more (docs/database.md).
   */
  public List<String> conversationIds() {
    Caller caller = CallerContext.require();
    // A set: a session written meanwhile moves up the list and can be met on two pages.
    Set<String> ids = new LinkedHashSet<>();
    for (int offset = 0; ; offset += PAGE_SIZE) {
      SessionPage page = store.list(caller, SessionQuery.limit(PAGE_SIZE).offset(offset));
      for (SessionSummary summary : page.sessions()) {
        ids.add(ConversationIds.conversationOf(caller.userId(), summary.id()));
      }
      // The database's count says whether more follow: the caller's pending deletes take
      // sessions out of a page, so a short page is not the last one.
      boolean more =
          page.total().isPresent()
              ? offset + PAGE_SIZE < page.total().getAsLong()
              : page.sessions().size() >= PAGE_SIZE;
      if (!more) {
        return List.copyOf(ids);
      }
    }
  }

  /**
   * {@code call}'s future, or one failed with what it threw: an async method reports a refusal (no
   * caller bound, a conversation id refused) through its future, never by throwing.
   */
  private static <T> CompletableFuture<T> started(Supplier<CompletableFuture<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException refused) {
      return CompletableFuture.failedFuture(refused);
    }
  }

  private CompletableFuture<ChatSession> session(Caller caller, SessionId id) {
    return stored(caller, id)
        .thenApply(found -> found.orElseGet(() -> ChatSession.empty(id, caller.userId())));
  }

  /** The caller's session {@code id}; empty when the caller has none (another user's included). */
  private CompletableFuture<Optional<ChatSession>> stored(Caller caller, SessionId id) {
    return store
        .historyAsync(caller, id)
        .handle(
            (read, failure) -> {
              if (failure == null) {
                return Optional.of(read.session());
              }
              if (FutureResults.unwrap(failure) instanceof SessionNotFoundException) {
                return Optional.empty();
              }
              throw FutureResults.rethrow(failure);
            });
  }

  private M decode(ChatMessage message) {
    return codec.decode(message.role(), message.content(), MemoryView.payloadOf(message));
  }

  private StoredMessage<M> entry(ChatMessage message) {
    return new StoredMessage<>(message.id(), message.timestamp(), decode(message));
  }
}
