package dev.codebasechat.testing;

/**
 * How a {@link SupabaseUnderTest} (either backend) answers while it is down or failing on purpose:
 * the transport failures and the unavailability statuses a client of Supabase's Data API meets in
 * practice.
 */
public enum Outage {
  /**
   * Nothing listens on the port: the client's connect fails ({@code ConnectException}). Only for
   * {@link SupabaseUnderTest#goDown(Outage)}, which stops the server and keeps its port.
   */
  CONNECTION_REFUSED,
  /**
   * The connection is reset once the request arrived ({@code SocketException: Connection reset}).
   */
  CONNECTION_RESET,
  /**
   * The connection closes without a byte of answer ({@code IOException: unexpected end of stream}).
   */
  EMPTY_RESPONSE,
  /**
   * The connection is accepted and the request read, and no answer ever comes: the client waits for
   * its read timeout. When the fault ends (or the server stops), such connections are reset.
   */
  NO_ANSWER,
  /**
   * PostgREST lost its database: 503 {@code PGRST000} with {@code Retry-After} (see {@link
   * SupabaseUnderTest#retryAfter(java.time.Duration)}).
   */
  DATABASE_UNAVAILABLE,
  /**
   * PostgREST's connection to its database broke mid-request: 503 {@code PGRST001} with {@code
   * Retry-After}.
   */
  DATABASE_CLIENT_ERROR,
  /** PostgREST's pool is exhausted: 504 {@code PGRST003}. */
  POOL_TIMEOUT,
  /** The project is paused: the platform's 540, no body. */
  PROJECT_PAUSED,
  /** The platform gateway timed out: 544, no body. */
  GATEWAY_TIMEOUT,
  /** The CDN could not reach the origin: 520, a short text body. */
  ORIGIN_ERROR
}
