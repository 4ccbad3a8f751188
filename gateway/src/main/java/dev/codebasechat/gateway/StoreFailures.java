package dev.codebasechat.gateway;

import dev.codebasechat.postgrest.PostgrestUnreadableAnswerException;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.session.SessionAccessException;
import dev.codebasechat.session.SessionNotFoundException;
import dev.codebasechat.session.SessionRejectedException;
import dev.codebasechat.session.SessionStorageException;
import dev.codebasechat.session.SessionUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * How a failure of the session store is answered over HTTP: its status, code and message, in one
 * place, as {@code docs/http-api.md} lists them. Messages name what happened and what to do, never
 * a token, a key or the database's own words. Stateless.
 */
final class StoreFailures {

  private StoreFailures() {}

  /** What a request was doing when it failed: its words when the database could not be reached. */
  enum Attempt {
    /** Reading one session. */
    READ(
        "the session cannot be read right now: the database is unreachable and this gateway holds"
            + " no copy of it; try again later"),
    /** Listing the caller's sessions. */
    LIST(
        "the session list cannot be read right now: the database is unreachable; try again"
            + " later"),
    /**
     * Creating, changing, clearing or deleting a session, or appending to it. With database
     * acknowledgement a write whose answer was lost may have been applied: a retry with the same
     * message ids is harmless.
     */
    CHANGE(
        "the change cannot be made right now: the database is unreachable; try again later (a"
            + " message sent again with the same id is never stored twice)");

    private final String unavailable;

    Attempt(String unavailable) {
      this.unavailable = unavailable;
    }

    /** The attempt of a request whose route is not known here: a GET reads, the rest change. */
    static Attempt of(String method) {
      return Routes.servedAs(method).equals("GET") ? READ : CHANGE;
    }
  }

  /**
   * The answer for {@code failure}, thrown by the store or a route: an {@link ApiError} for every
   * failure the API documents ({@code docs/http-api.md}); anything else as it is, which the gateway
   * answers 500 {@code internal_error}.
   */
  static RuntimeException answer(RuntimeException failure, Attempt attempt) {
    RuntimeException e = failure;
    if (e instanceof CompletionException && e.getCause() instanceof RuntimeException cause) {
      e = cause;
    }
    if (e instanceof ApiError api) {
      return api;
    }
    if (e instanceof SessionNotFoundException) {
      return ApiError.sessionNotFound();
    }
    if (e instanceof SessionUnavailableException unavailable) {
      return ApiError.unavailable(
          "session_unavailable",
          attempt.unavailable,
          unavailable.retryAfter().orElse(Duration.ofSeconds(1)));
    }
    if (e instanceof SessionAccessException access) {
      return switch (access.reason()) {
        case UNAUTHENTICATED ->
            ApiError.unauthorized(
                "invalid_token",
                "the database refused the access token",
                "Bearer error=\"invalid_token\", error_description=\"token refused by the database\"");
        case USER_GONE ->
            ApiError.unauthorized(
                "invalid_token",
                "the user of this access token no longer exists in the project (deleted after the"
                    + " token was issued); nothing was saved",
                "Bearer error=\"invalid_token\", error_description=\"the token's user no longer"
                    + " exists\"");
        case FORBIDDEN ->
            ApiError.of(
                403, "forbidden", "the database does not allow this operation for this caller");
      };
    }
    if (e instanceof SessionStorageException) {
      return ApiError.unavailable(
          "storage_unavailable",
          "the write could not be recorded durably on this gateway; nothing was saved; try again later",
          Duration.ofSeconds(5));
    }
    if (e instanceof SessionRejectedException rejected) {
      return switch (rejected.reason()) {
        case CONFLICT ->
            ApiError.of(
                409,
                "conflict",
                "the database reported a conflict with the current state of the session");
        case INVALID ->
            ApiError.badRequest("rejected", "the database refused the request as invalid");
        case SESSION_FULL ->
            ApiError.of(
                409,
                "session_full",
                "the session is full: a session holds at most "
                    + SessionTableRules.MAX_MESSAGES_PER_SESSION
                    + " messages and 16 MiB of history; clear its history or start a new session");
        case DATABASE_ERROR ->
            // An IllegalArgumentException: the database holds the session in a form the library
            // does not take (written by another client); its message names the stored message.
            // An unreadable answer: JSON nested deeper than the library reads, stored the same way.
            rejected.getCause() instanceof IllegalArgumentException unreadable
                ? ApiError.of(
                    502,
                    "database_error",
                    "the database holds this session in a form this gateway cannot read (written"
                        + " by another client): "
                        + unreadable.getMessage())
                : rejected.getCause() instanceof PostgrestUnreadableAnswerException
                    ? ApiError.of(
                        502,
                        "database_error",
                        "the database holds this session in a form this gateway cannot read"
                            + " (written by another client): its JSON is nested deeper than"
                            + " 1000 levels")
                    : ApiError.of(
                        502, "database_error", "the database failed to answer the request");
      };
    }
    if (e instanceof IllegalArgumentException invalid) {
      // The store validates its arguments before recording anything.
      return ApiError.invalidField(invalid);
    }
    return e;
  }
}
