package dev.codebasechat.postgrest;

import java.time.Duration;

/**
 * Observes every request's outcome and latency (from just before the call to the end of reading the
 * body), e.g. to feed metrics: {@link MicrometerPostgrestListener}. Called on the thread that
 * finished the call (the caller's for synchronous calls, an OkHttp dispatcher thread for async
 * ones): implementations must be fast, thread-safe and must not throw (anything thrown is logged
 * and ignored).
 */
public interface PostgrestListener {
  /** A listener that does nothing. */
  PostgrestListener NONE = new PostgrestListener() {};

  /** A 2xx answer arrived and its body was read. */
  default void onSuccess(Operation operation, String resource, int status, Duration latency) {}

  /** The call failed; {@code failure} tells the status (if any) and the {@link FailureKind}. */
  default void onFailure(
      Operation operation, String resource, PostgrestException failure, Duration latency) {}
}
