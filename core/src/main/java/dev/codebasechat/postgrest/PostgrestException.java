package dev.codebasechat.postgrest;

/**
 * Root of every failure this package reports. Unchecked. Two families, as OkHttp and Retrofit keep
 * them: {@link PostgrestHttpException} (PostgREST or the gateway answered with an error status) and
 * {@link PostgrestTransportException} (no usable answer arrived); and {@link
 * PostgrestUnreadableAnswerException}, a complete answer of success beyond what the library reads.
 *
 * <p>Messages name the operation, the table or function and the status; they never contain the
 * access token or the API key.
 */
public abstract class PostgrestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Operation operation;
  private final String resource;

  PostgrestException(
      Operation operation,
      String resource,
      String message,
      @org.jspecify.annotations.Nullable Throwable cause) {
    super(message, cause);
    this.operation = operation;
    this.resource = resource;
  }

  /** How the resilience layer should treat this failure. */
  public abstract FailureKind kind();

  /** The operation that failed. */
  public Operation operation() {
    return operation;
  }

  /** The table, or the function for {@link Operation#RPC}. */
  public String resource() {
    return resource;
  }
}
