package dev.codebasechat.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.codebasechat.session.internal.HistoryOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A snapshot of one chat session: its messages in order plus the context the user is in. Immutable
 * and thread-safe (the JSON values are deep-copied on construction; treat the ones returned as
 * read-only).
 *
 * @param id the session id
 * @param owner the user id ({@code sub}) the session belongs to
 * @param repo the repository the conversation is about, if known
 * @param currentFile the file the user is in, if known
 * @param contextCache free-form JSON object the chat product caches with the session
 * @param metadata free-form JSON object
 * @param messages every message in the history's order: by timestamp, then by arrival
 * @param version the database's change counter for the row (0 for a session never stored)
 * @param lastActivity when the session last changed, if known
 */
public record ChatSession(
    SessionId id,
    UUID owner,
    Optional<String> repo,
    Optional<String> currentFile,
    JsonNode contextCache,
    JsonNode metadata,
    List<ChatMessage> messages,
    long version,
    Optional<Instant> lastActivity) {

  public ChatSession {
    if (!contextCache.isObject()) {
      throw new IllegalArgumentException(
          "context cache must be a JSON object but was " + contextCache.getNodeType());
    }
    if (!metadata.isObject()) {
      throw new IllegalArgumentException(
          "metadata must be a JSON object but was " + metadata.getNodeType());
    }
    lastActivity = lastActivity.map(Timestamps::truncate);
    contextCache = contextCache.deepCopy();
    metadata = metadata.deepCopy();
    messages = List.copyOf(messages);
  }

  /** A session that has no messages and has never been stored. */
  public static ChatSession empty(SessionId id, UUID owner) {
    return new ChatSession(
        id,
        owner,
        Optional.empty(),
        Optional.empty(),
        JsonNodeFactory.instance.objectNode(),
        JsonNodeFactory.instance.objectNode(),
        List.of(),
        0,
        Optional.empty());
  }

  /** The last {@code n} messages (all of them when there are fewer). */
  public List<ChatMessage> lastMessages(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must not be negative but was " + n);
    }
    return messages.subList(Math.max(0, messages.size() - n), messages.size());
  }

  public int messageCount() {
    return messages.size();
  }

  /**
   * This session with {@code additions} placed in the history's order: each message goes after the
   * last one whose timestamp is not later than its own (so after those with the same timestamp),
   * which is where the database puts it. A message whose id the session already holds is left out,
   * as the database leaves it out. Costs one copy of the history and, for a few additions, a scan
   * of the ids for each (no index of the ids is built: an append adds one message or a few).
   */
  public ChatSession withAdded(List<ChatMessage> additions) {
    if (additions.isEmpty()) {
      return this;
    }
    List<ChatMessage> merged = new ArrayList<>(messages.size() + additions.size());
    merged.addAll(messages);
    boolean many = additions.size() > FEW_ADDITIONS;
    Set<MessageId> present = many ? new HashSet<>() : Set.of();
    if (many) {
      messages.forEach(message -> present.add(message.id()));
    }
    for (ChatMessage message : additions) {
      boolean held = many ? !present.add(message.id()) : holds(merged, message.id());
      if (held) {
        continue;
      }
      HistoryOrder.place(merged, message);
    }
    return withMessages(merged);
  }

  /** Up to this many additions are checked against the ids by a scan instead of a set. */
  private static final int FEW_ADDITIONS = 8;

  /** Whether {@code messages} has one with {@code id}; newest first, where a re-sent one is. */
  private static boolean holds(List<ChatMessage> messages, MessageId id) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).id().equals(id)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code message} has the same timestamp as a message of this session with another id:
   * then only the database knows which of the two arrived first. Costs O(messages not earlier).
   */
  public boolean tiesWith(ChatMessage message) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      ChatMessage held = messages.get(i);
      if (held.timestamp().isBefore(message.timestamp())) {
        return false;
      }
      if (held.timestamp().equals(message.timestamp()) && !held.id().equals(message.id())) {
        return true;
      }
    }
    return false;
  }

  /** Whether this session holds a message with {@code id}. Costs O(messages). */
  public boolean holds(MessageId id) {
    for (ChatMessage message : messages) {
      if (message.id().equals(id)) {
        return true;
      }
    }
    return false;
  }

  /** This session with other messages. */
  public ChatSession withMessages(List<ChatMessage> newMessages) {
    return new ChatSession(
        id, owner, repo, currentFile, contextCache, metadata, newMessages, version, lastActivity);
  }

  /** This session with another version. */
  public ChatSession withVersion(long newVersion) {
    return new ChatSession(
        id, owner, repo, currentFile, contextCache, metadata, messages, newVersion, lastActivity);
  }

  /** This session last active at {@code at} (kept when it is earlier than what this one says). */
  public ChatSession withLastActivity(Optional<Instant> at) {
    if (at.isEmpty() || (lastActivity.isPresent() && lastActivity.get().isAfter(at.get()))) {
      return this;
    }
    return new ChatSession(
        id, owner, repo, currentFile, contextCache, metadata, messages, version, at);
  }

  /** This session with other context fields. */
  public ChatSession withContext(
      Optional<String> newRepo,
      Optional<String> newCurrentFile,
      JsonNode newContextCache,
      JsonNode newMetadata) {
    return new ChatSession(
        id,
        owner,
        newRepo,
        newCurrentFile,
        newContextCache,
        newMetadata,
        messages,
        version,
        lastActivity);
  }
}
