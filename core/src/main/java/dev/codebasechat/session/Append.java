package dev.codebasechat.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.schema.PgJsonb;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.session.internal.SessionCodec;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Messages to append to a session, in order, and optionally where the user is now ({@link
 * #withRepo}, {@link #withCurrentFile}), moved in the same write. Immutable and thread-safe.
 *
 * <pre>{@code
 * store.append(caller, id, Append.of(ChatMessage.user("How do I run the tests?")));
 * store.append(caller, id, Append.of(answer).withCurrentFile("pom.xml"));
 * }</pre>
 */
public final class Append {

  /**
   * Largest message, 1 MiB, as the table stores it: its JSON ({@code id}, {@code role}, {@code
   * content}, {@code timestamp}, {@code code}) in bytes of PostgreSQL's {@code jsonb} ({@link
   * PgJsonb#storedSize}). Refused here, before a store acknowledges it, as the database would
   * refuse it later.
   */
  public static final int MAX_MESSAGE_BYTES = SessionTableRules.MAX_MESSAGE_BYTES;

  private final List<ChatMessage> messages;
  private final Optional<String> repo;
  private final Optional<String> currentFile;

  private Append(List<ChatMessage> messages, Optional<String> repo, Optional<String> currentFile) {
    // The same limits as a context update (and as the database).
    new ContextUpdate(repo, currentFile, Optional.empty(), Optional.empty());
    this.messages = List.copyOf(messages);
    for (int i = 0; i < this.messages.size(); i++) {
      checkFits(this.messages.get(i), "messages[" + i + "]");
    }
    this.repo = repo;
    this.currentFile = currentFile;
  }

  /**
   * {@code messages}, in order (a store accepts 1 to its configured maximum).
   *
   * @throws IllegalArgumentException naming the message when one is a message the table refuses:
   *     larger than {@link #MAX_MESSAGE_BYTES} as stored, holding what PostgreSQL's jsonb cannot
   *     ({@link PgJsonb#checkFits}), or written at a time the table cannot hold ({@link
   *     Timestamps#isStorable})
   */
  public static Append of(ChatMessage... messages) {
    return of(List.of(messages));
  }

  /**
   * {@code messages}, in order (a store accepts 1 to its configured maximum).
   *
   * @throws IllegalArgumentException as {@link #of(ChatMessage...)} does
   */
  public static Append of(List<ChatMessage> messages) {
    return new Append(messages, Optional.empty(), Optional.empty());
  }

  /**
   * This append, moving the session to {@code repo}.
   *
   * @throws IllegalArgumentException if {@code repo} breaks the limits of {@link ContextUpdate}
   */
  public Append withRepo(String newRepo) {
    Objects.requireNonNull(newRepo, "repo must not be null: an append without one leaves it");
    return new Append(messages, Optional.of(newRepo), currentFile);
  }

  /**
   * This append, moving the session to {@code currentFile}.
   *
   * @throws IllegalArgumentException if {@code currentFile} breaks the limits of {@link
   *     ContextUpdate}
   */
  public Append withCurrentFile(String newCurrentFile) {
    Objects.requireNonNull(
        newCurrentFile, "currentFile must not be null: an append without one leaves it");
    return new Append(messages, repo, Optional.of(newCurrentFile));
  }

  public List<ChatMessage> messages() {
    return messages;
  }

  public Optional<String> repo() {
    return repo;
  }

  public Optional<String> currentFile() {
    return currentFile;
  }

  private static void checkFits(ChatMessage message, String name) {
    if (message.isStamped() && !Timestamps.isStorable(message.timestamp())) {
      throw new IllegalArgumentException(
          name + ".timestamp must be within the years 0001 to 9999 (UTC)");
    }
    // A store stamps an unstamped message; every stamp of years 0001..9999 has the same length.
    ObjectNode json =
        SessionCodec.messageToJson(
            message.isStamped() ? message : message.withTimestamp(Instant.EPOCH));
    PgJsonb.checkFits(json, name, MAX_MESSAGE_BYTES);
  }

  @Override
  public String toString() {
    return "Append["
        + messages.size()
        + " messages, repo="
        + repo
        + ", currentFile="
        + currentFile
        + "]";
  }
}
