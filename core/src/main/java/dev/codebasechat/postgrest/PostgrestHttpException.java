package dev.codebasechat.postgrest;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * PostgREST (or the Supabase gateway in front of it) answered with an error status. Carries the
 * status and PostgREST's error body fields ({@code code}, {@code message}, {@code details}, {@code
 * hint}); each is absent when the body did not carry it (v12's {@code {}} 404, gateway pages,
 * {@code client-error-verbosity=minimal}).
 *
 * <p>Classification ({@link #kind()}):
 *
 * <table>
 *   <caption>status and code to kind</caption>
 *   <tr><th>answer</th><th>kind</th></tr>
 *   <tr><td>503 (PGRST000/001/002, 08xxx, 53300, 57P01), 504 (PGRST003), 502, 520–524, 540,
 *       544, 408, 429</td><td>TRANSIENT</td></tr>
 *   <tr><td>500 with SQLSTATE 40xxx, 53xxx, 57014, 57P01</td><td>TRANSIENT</td></tr>
 *   <tr><td>401 (PGRST301/302/303, 42501 as anon, gateway "Invalid API key")</td><td>AUTH</td></tr>
 *   <tr><td>403 (42501)</td><td>FORBIDDEN</td></tr>
 *   <tr><td>404 (PGRST205, PGRST202, 42P01, v12 {@code {}})</td><td>NOT_FOUND</td></tr>
 *   <tr><td>409 (23505, 23503)</td><td>CONFLICT</td></tr>
 *   <tr><td>other 3xx/4xx (PGRST116 406, PGRST100 400, …)</td><td>CLIENT</td></tr>
 *   <tr><td>other 5xx</td><td>SERVER</td></tr>
 * </table>
 */
public final class PostgrestHttpException extends PostgrestException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final @Nullable String code;
  private final @Nullable String postgrestMessage;
  private final @Nullable String details;
  private final @Nullable String hint;
  private final @Nullable Duration retryAfter;
  private final @Nullable String authenticateError;
  private final @Nullable Long totalCount;
  private final FailureKind kind;

  PostgrestHttpException(
      Operation operation,
      String resource,
      int status,
      @Nullable String code,
      @Nullable String postgrestMessage,
      @Nullable String details,
      @Nullable String hint,
      @Nullable Duration retryAfter,
      @Nullable String authenticateError,
      @Nullable Long totalCount) {
    super(
        operation,
        resource,
        describe(operation, resource, status, code, postgrestMessage, authenticateError),
        null);
    this.status = status;
    this.code = code;
    this.postgrestMessage = postgrestMessage;
    this.details = details;
    this.hint = hint;
    this.retryAfter = retryAfter;
    this.authenticateError = authenticateError;
    this.totalCount = totalCount;
    this.kind = classify(status, code);
  }

  private static String describe(
      Operation operation,
      String resource,
      int status,
      @Nullable String code,
      @Nullable String message,
      @Nullable String authenticateError) {
    StringBuilder sb =
        new StringBuilder("PostgREST ")
            .append(operation.tagValue())
            .append(" on ")
            .append(resource)
            .append(": HTTP ")
            .append(status);
    if (code != null) {
      sb.append(' ').append(code);
    }
    if (message != null) {
      sb.append(' ').append(message);
    } else if (authenticateError != null) {
      sb.append(' ').append(authenticateError);
    }
    return sb.toString();
  }

  /** The classification rule, shared with anything that sees a bare status and code. */
  static FailureKind classify(int status, @Nullable String code) {
    return switch (status) {
      case 401 -> FailureKind.AUTH;
      case 403 -> FailureKind.FORBIDDEN;
      case 404 -> FailureKind.NOT_FOUND;
      case 409 -> FailureKind.CONFLICT;
      case 408, 429, 502, 503, 504, 520, 521, 522, 523, 524, 540, 544 -> FailureKind.TRANSIENT;
      // Refusals of the whole project for a while, not of the request: Supabase restricts an
      // organisation (402: a quota exceeded, a bill overdue), a db_pre_request rate limit answers
      // 420 as Supabase's own example does, and a database put in read-only mode (a full disk)
      // fails writes with 25006, which PostgREST answers 405.
      case 402, 420 -> FailureKind.TRANSIENT;
      case 405 -> "25006".equals(code) ? FailureKind.TRANSIENT : FailureKind.CLIENT;
      // PostgREST names every error it answers with a code: a 500 without one is a proxy's in
      // front of it (an HTML page, a gateway's "unexpected error"), which says nothing against
      // the request.
      case 500 ->
          code == null || isTransientSqlState(code) ? FailureKind.TRANSIENT : FailureKind.SERVER;
      default -> status >= 500 ? FailureKind.SERVER : FailureKind.CLIENT;
    };
  }

  private static boolean isTransientSqlState(String code) {
    return code.startsWith("40") // serialization failure, deadlock
        || code.startsWith("53") // insufficient resources
        || code.equals("55P03") // lock_not_available: a lock_timeout passed
        || code.equals("57014") // statement timeout
        || code.equals("57P01") // admin shutdown
        || code.equals("57P02") // crash shutdown
        || code.equals("57P03"); // cannot connect now (starting up)
  }

  /**
   * The total of {@code Content-Range} when the answer carried one: a 416 {@code PGRST103} (an
   * offset past the end with {@code Prefer: count=exact}) says there how many rows there are.
   */
  public OptionalLong totalCount() {
    return totalCount == null ? OptionalLong.empty() : OptionalLong.of(totalCount);
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** PostgREST's {@code code}: a SQLSTATE ({@code 23505}) or {@code PGRSTnnn}. */
  public Optional<String> code() {
    return Optional.ofNullable(code);
  }

  /** PostgREST's {@code message} (not {@link #getMessage()}, which adds operation and status). */
  public Optional<String> postgrestMessage() {
    return Optional.ofNullable(postgrestMessage);
  }

  /** PostgREST's {@code details}; a non-string value is given as its JSON text. */
  public Optional<String> details() {
    return Optional.ofNullable(details);
  }

  /** PostgREST's {@code hint}. */
  public Optional<String> hint() {
    return Optional.ofNullable(hint);
  }

  /** The {@code Retry-After} delay (delta-seconds form), sent with PostgREST's 503s. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /**
   * The {@code error_description} of a {@code WWW-Authenticate: Bearer} challenge (e.g. {@code JWT
   * expired}); empty when the 401 carried none.
   */
  public Optional<String> authenticateError() {
    return Optional.ofNullable(authenticateError);
  }

  @Override
  public FailureKind kind() {
    return kind;
  }
}
