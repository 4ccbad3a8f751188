package dev.codebasechat.session.internal;

import dev.codebasechat.internal.FutureResults;
import dev.codebasechat.postgrest.FailureKind;
import dev.codebasechat.postgrest.PostgrestException;
import dev.codebasechat.postgrest.PostgrestHttpException;
import dev.codebasechat.resilience.DeadlineExceededException;
import dev.codebasechat.resilience.internal.RemoteGuard;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.schema.TableConstraintException;
import dev.codebasechat.session.SessionAccessException;
import dev.codebasechat.session.SessionException;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionNotFoundException;
import dev.codebasechat.session.SessionRejectedException;
import dev.codebasechat.session.SessionStorageException;
import dev.codebasechat.session.SessionUnavailableException;
import dev.codebasechat.sqlite.JournalException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What a failure of the database means to the caller of the store: one translation from the
 * client's failures ({@link PostgrestException} and the guard's) to the store's ({@link
 * SessionException}), and one description of a failure for logs and pending writes (never a token:
 * the client's messages carry none). Stateless.
 */
public final class Failures {
  private Failures() {}

  /** How long a caller is told to wait when the database gave no {@code Retry-After}. */
  static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  /**
   * {@code failure} (possibly wrapped) of a request about {@code what}, as the store reports it: a
   * {@link SessionException} the store raised stays as it is; unavailability is {@link
   * SessionUnavailableException}; 401/403, and a token whose user was deleted, are {@link
   * SessionAccessException}; other refusals {@link SessionRejectedException}; anything else
   * unchecked is passed on.
   */
  public static RuntimeException translate(Throwable failure, String what) {
    Throwable cause = FutureResults.unwrap(failure);
    if (cause instanceof SessionException session) {
      return session;
    }
    if (RemoteGuard.isUnavailable(cause)) {
      return unavailable(what, cause);
    }
    if (cause instanceof PostgrestHttpException http) {
      return refused(http, what);
    }
    if (cause instanceof PostgrestException remoteFailure) {
      return new SessionRejectedException(
          SessionRejectedException.Reason.DATABASE_ERROR,
          "request for " + what + " failed: " + remoteFailure.getMessage(),
          remoteFailure);
    }
    if (cause instanceof RuntimeException runtime) {
      return runtime;
    }
    return new IllegalStateException(cause);
  }

  /**
   * {@link #translate} for a write to {@code id} under the caller's token: the database refuses a
   * write to another user's session id with 403 (42501), and to this caller that id simply does not
   * exist, as Row Level Security makes it look to reads; whom this process thought it belonged to
   * is forgotten. The embedded table's failure to record is {@link SessionStorageException}.
   */
  public static RuntimeException translateWrite(
      Throwable failure, SessionId id, KnownOwners owners) {
    if (isForbidden(failure)) {
      owners.forget(id);
      return new SessionNotFoundException(id);
    }
    if (FutureResults.unwrap(failure) instanceof JournalException local) {
      // The embedded table could not record it (a full disk, say), as any of its writes.
      return new SessionStorageException(id, local);
    }
    return translate(failure, "session " + id);
  }

  /**
   * Whether PostgREST answered that it knows no function of that name and those argument names
   * (PGRST202): a migration is not applied.
   */
  public static boolean isMissingFunction(Throwable failure) {
    return FutureResults.unwrap(failure) instanceof PostgrestHttpException http
        && http.status() == 404
        && "PGRST202".equals(http.code().orElse(null));
  }

  /** Whether the database refused the request as forbidden (403). */
  public static boolean isForbidden(Throwable failure) {
    return FutureResults.unwrap(failure) instanceof PostgrestHttpException http
        && http.kind() == FailureKind.FORBIDDEN;
  }

  /** Whether the database refused the caller's token (401). */
  public static boolean isTokenRefused(Throwable failure) {
    return FutureResults.unwrap(failure) instanceof PostgrestException remote
        && remote.kind() == FailureKind.AUTH;
  }

  /**
   * Whether the database refused the caller's token as not the project's (401 {@code PGRST301}: a
   * signature, key or encoding it does not accept), rather than for its time (PostgREST 13 and 14
   * report that as {@code PGRST303}, 12 as {@code PGRST301} with {@code JWT expired}, {@code
   * JWTNotYetValid} or {@code JWTIssuedAtFuture}). A token the caller's code accepted and the
   * database distrusts was signed with key material the project no longer has, or never had.
   */
  public static boolean isTokenDistrusted(Throwable failure) {
    if (!(FutureResults.unwrap(failure) instanceof PostgrestHttpException http)
        || http.status() != 401
        || !http.code().orElse("").equals("PGRST301")) {
      return false;
    }
    String said = http.postgrestMessage().orElse("") + " " + http.authenticateError().orElse("");
    // PostgREST 12 words them "JWT expired", "JWTNotYetValid", "JWTIssuedAtFuture".
    return !(said.contains("JWT expired")
        || said.contains("JWTNotYetValid")
        || said.contains("JWTIssuedAtFuture"));
  }

  /** Whether {@code failure} is an answer of the database (or a session found missing). */
  public static boolean isAnswer(Throwable failure) {
    Throwable cause = FutureResults.unwrap(failure);
    return cause instanceof PostgrestHttpException || cause instanceof SessionNotFoundException;
  }

  /** Whether the database refused the request's content (a 4xx other than auth, or 409). */
  public static boolean isRefusedContent(Throwable failure) {
    return FutureResults.unwrap(failure) instanceof PostgrestHttpException http
        && (http.kind() == FailureKind.CLIENT || http.kind() == FailureKind.CONFLICT);
  }

  /** {@code what} is unavailable because of {@code failure}, with a suggested wait. */
  public static SessionUnavailableException unavailable(String what, Throwable failure) {
    Throwable cause = FutureResults.unwrap(failure);
    @Nullable Duration retryAfter = null;
    if (cause instanceof PostgrestHttpException http && http.retryAfter().isPresent()) {
      retryAfter = http.retryAfter().get();
    } else if (cause instanceof CallNotPermittedException
        || cause instanceof DeadlineExceededException) {
      retryAfter = DEFAULT_RETRY_AFTER;
    }
    return new SessionUnavailableException(what, retryAfter, cause);
  }

  /** One line about {@code failure} for logs and a pending write's last failure. */
  public static String describe(Throwable failure) {
    Throwable cause = FutureResults.unwrap(failure);
    if (cause instanceof CallNotPermittedException) {
      return "circuit breaker open";
    }
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static RuntimeException refused(PostgrestHttpException http, String what) {
    return switch (http.kind()) {
      case AUTH ->
          new SessionAccessException(
              SessionAccessException.Reason.UNAUTHENTICATED, http.status(), http);
      case FORBIDDEN ->
          new SessionAccessException(SessionAccessException.Reason.FORBIDDEN, http.status(), http);
      case CONFLICT ->
          isOwnerGone(http)
              ? new SessionAccessException(
                  SessionAccessException.Reason.USER_GONE, http.status(), http)
              : rejected(SessionRejectedException.Reason.CONFLICT, http, what);
      case CLIENT, NOT_FOUND ->
          rejected(
              isSessionFull(http)
                  ? SessionRejectedException.Reason.SESSION_FULL
                  : SessionRejectedException.Reason.INVALID,
              http,
              what);
      default -> rejected(SessionRejectedException.Reason.DATABASE_ERROR, http, what);
    };
  }

  /** The owner's foreign key (23503 naming it): the token's user was deleted. */
  private static boolean isOwnerGone(PostgrestHttpException http) {
    return http.code().filter("23503"::equals).isPresent()
        && http.postgrestMessage()
            .filter(message -> message.contains(SessionTableRules.OWNER_FOREIGN_KEY))
            .isPresent();
  }

  /** A history CHECK of the table (23514 naming it): the session holds all it may. */
  private static boolean isSessionFull(PostgrestHttpException http) {
    return http.code().isPresent()
        && http.postgrestMessage().isPresent()
        && breaksHistoryLimit(http.code().get(), http.postgrestMessage().get());
  }

  /** Whether the database refused a write with {@code failure} because its session is full. */
  public static boolean isSessionFull(Throwable failure) {
    return FutureResults.unwrap(failure) instanceof PostgrestHttpException http
        && isSessionFull(http);
  }

  /**
   * Whether the database refused to create a session whose id is in another user's conversation
   * namespace (42501 with {@link SessionTableRules#NAMESPACE_TAKEN}, migration 20261209000000): a
   * refusal of that write, whoever sends it, not of the key or token that sent it.
   */
  public static boolean isNamespaceTaken(Throwable failure) {
    return FutureResults.unwrap(failure) instanceof PostgrestHttpException http
        && http.code().filter("42501"::equals).isPresent()
        && http.postgrestMessage().filter(SessionTableRules.NAMESPACE_TAKEN::equals).isPresent();
  }

  /** Whether a refusal with SQLSTATE {@code code} and {@code message} names a history limit. */
  public static boolean breaksHistoryLimit(String code, String message) {
    return code.equals("23514")
        && SessionTableRules.HISTORY_LIMITS.stream().anyMatch(message::contains);
  }

  /**
   * A refusal by the table's rules of a write that would overfill its session (the embedded
   * table's, or the store's own count before it acknowledges), in the words the store uses for the
   * database's; any other failure as it is.
   */
  public static RuntimeException sessionFullOr(SessionId id, RuntimeException failure) {
    if (failure instanceof TableConstraintException full
        && SessionTableRules.HISTORY_LIMITS.contains(full.constraint())) {
      return new SessionRejectedException(
          SessionRejectedException.Reason.SESSION_FULL,
          "session " + id.value() + " is full: " + full.getMessage(),
          full);
    }
    return failure;
  }

  private static SessionRejectedException rejected(
      SessionRejectedException.Reason reason, PostgrestHttpException http, String what) {
    return new SessionRejectedException(
        reason, "the database refused the request for " + what + ": " + http.getMessage(), http);
  }
}
