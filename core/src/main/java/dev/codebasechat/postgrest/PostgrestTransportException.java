package dev.codebasechat.postgrest;

import java.io.IOException;

/**
 * No usable answer arrived: connection refused or reset, DNS failure, a connect, read or call
 * timeout, cancellation, an empty or malformed response, or a body that is truncated or not the
 * JSON it claims to be. Always {@link FailureKind#TRANSIENT}. The outcome of a write is unknown;
 * only idempotent writes may be retried blindly.
 */
public final class PostgrestTransportException extends PostgrestException {
  private static final long serialVersionUID = 1L;

  private final boolean cancelled;

  PostgrestTransportException(Operation operation, String resource, String what, Throwable cause) {
    this(operation, resource, what, cause, false);
  }

  private PostgrestTransportException(
      Operation operation, String resource, String what, Throwable cause, boolean cancelled) {
    super(
        operation,
        resource,
        "PostgREST "
            + operation.tagValue()
            + " on "
            + resource
            + " failed: "
            + what
            + " ("
            + cause.getClass().getSimpleName()
            + ")",
        cause);
    this.cancelled = cancelled;
  }

  static PostgrestTransportException of(Operation operation, String resource, IOException e) {
    return new PostgrestTransportException(operation, resource, "transport error", e);
  }

  static PostgrestTransportException cancelled(
      Operation operation, String resource, IOException e) {
    return new PostgrestTransportException(operation, resource, "cancelled", e, true);
  }

  /** {@link FailureKind#TRANSIENT}. */
  @Override
  public FailureKind kind() {
    return FailureKind.TRANSIENT;
  }

  /** True when the caller cancelled the future (not a timeout or a network failure). */
  public boolean isCancelled() {
    return cancelled;
  }
}
