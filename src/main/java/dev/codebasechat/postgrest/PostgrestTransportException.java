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

  PostgrestTransportException(Operation operation, String resource, String what, Throwable cause) {
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
  }

  static PostgrestTransportException of(Operation operation, String resource, IOException e) {
    return new PostgrestTransportException(operation, resource, "transport error", e);
  }

  /** {@link FailureKind#TRANSIENT}. */
  @Override
  public FailureKind kind() {
    return FailureKind.TRANSIENT;
  }

  /** True when the call was cancelled by the caller (not by a timeout). */
  public boolean isCancelled() {
    Throwable c = getCause();
    return c instanceof IOException && "Canceled".equals(c.getMessage());
  }
}
