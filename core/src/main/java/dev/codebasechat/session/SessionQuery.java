package dev.codebasechat.session;

import java.util.Optional;

/**
 * Which page of the caller's sessions {@link SessionStore#list} answers: at most {@link #limit()}
 * sessions from position {@link #offset()}, optionally only those of one repo. Immutable and
 * thread-safe.
 *
 * <pre>{@code
 * store.list(caller, SessionQuery.limit(20));
 * store.list(caller, SessionQuery.limit(20).offset(20).repo("acme/app"));
 * }</pre>
 */
public final class SessionQuery {

  /** Most sessions one page holds. */
  public static final int MAX_LIMIT = 200;

  private final int limit;
  private final int offset;
  private final Optional<String> repo;

  private SessionQuery(int limit, int offset, Optional<String> repo) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + MAX_LIMIT + " but was " + limit);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative but was " + offset);
    }
    new ContextUpdate(repo, Optional.empty(), Optional.empty(), Optional.empty()); // validates repo
    this.limit = limit;
    this.offset = offset;
    this.repo = repo;
  }

  /**
   * The first {@code limit} sessions, most recent activity first.
   *
   * @throws IllegalArgumentException unless {@code limit} is 1..{@value #MAX_LIMIT}
   */
  public static SessionQuery limit(int limit) {
    return new SessionQuery(limit, 0, Optional.empty());
  }

  /**
   * This page, from position {@code offset}.
   *
   * @throws IllegalArgumentException if {@code offset} is negative
   */
  public SessionQuery offset(int newOffset) {
    return new SessionQuery(limit, newOffset, repo);
  }

  /**
   * This page, of the sessions in {@code repo} only.
   *
   * @throws IllegalArgumentException if {@code repo} breaks the limits of {@link ContextUpdate}
   */
  public SessionQuery repo(String onlyRepo) {
    return new SessionQuery(limit, offset, Optional.of(onlyRepo));
  }

  public int limit() {
    return limit;
  }

  public int offset() {
    return offset;
  }

  public Optional<String> repo() {
    return repo;
  }

  @Override
  public String toString() {
    return "SessionQuery[limit=" + limit + ", offset=" + offset + ", repo=" + repo + "]";
  }
}
