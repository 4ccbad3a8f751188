package dev.codebasechat.postgrest;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;

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
    return new PostgrestTransportException(operation, resource, what(e), e);
  }

  /**
   * What went wrong in words an operator acts on (the host is unknown: check the URL; nothing
   * listens: is the database up), then the network library's own words, which name at most the host
   * and port, never a header.
   */
  private static String what(IOException e) {
    String kind;
    if (e instanceof UnknownHostException) {
      kind = "the host is unknown";
    } else if (e instanceof ConnectException) {
      kind = "could not connect";
    } else if (e instanceof SocketTimeoutException
        || (e instanceof InterruptedIOException && "timeout".equals(e.getMessage()))) {
      kind = "timed out";
    } else if (e instanceof SSLException) {
      kind = "the TLS handshake failed (is the URL https on a server that speaks plain http?)";
    } else {
      kind = "transport error";
    }
    String detail = e.getMessage();
    return detail == null || detail.isBlank() || detail.equals("timeout")
        ? kind
        : kind + ": " + detail;
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
