package dev.codebasechat.session;

import java.util.List;
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

  private final List<ChatMessage> messages;
  private final Optional<String> repo;
  private final Optional<String> currentFile;

  private Append(List<ChatMessage> messages, Optional<String> repo, Optional<String> currentFile) {
    // The same limits as a context update (and as the database).
    new ContextUpdate(repo, currentFile, Optional.empty(), Optional.empty());
    this.messages = List.copyOf(messages);
    this.repo = repo;
    this.currentFile = currentFile;
  }

  /** {@code messages}, in order (a store accepts 1 to its configured maximum). */
  public static Append of(ChatMessage... messages) {
    return of(List.of(messages));
  }

  /** {@code messages}, in order (a store accepts 1 to its configured maximum). */
  public static Append of(List<ChatMessage> messages) {
    return new Append(messages, Optional.empty(), Optional.empty());
  }

  /**
   * This append, moving the session to {@code repo}.
   *
   * @throws IllegalArgumentException if {@code repo} breaks the limits of {@link ContextUpdate}
   */
  public Append withRepo(String newRepo) {
    return new Append(messages, Optional.of(newRepo), currentFile);
  }

  /**
   * This append, moving the session to {@code currentFile}.
   *
   * @throws IllegalArgumentException if {@code currentFile} breaks the limits of {@link
   *     ContextUpdate}
   */
  public Append withCurrentFile(String newCurrentFile) {
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
