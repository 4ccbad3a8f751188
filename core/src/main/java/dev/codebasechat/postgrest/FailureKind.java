package dev.codebasechat.postgrest;

/**
 * What a failure means for whoever decides to retry, fall back or pass it on. Every {@link
 * PostgrestException} has exactly one kind; see {@link PostgrestHttpException#kind()} for the
 * status and code mapping.
 */
public enum FailureKind {
  /**
   * Worth retrying later: transport failures (refused, reset, timeout, malformed or truncated
   * answer), 503 ({@code PGRST000}–{@code PGRST002}), 504 ({@code PGRST003}), 502, 520–524, 540,
   * 544, 408, 429, 402 (an organisation restricted), 420 (a {@code db_pre_request} rate limit), 405
   * {@code 25006} (a database in read-only mode), a 500 caused by serialization failures,
   * deadlocks, lock or statement timeouts, a shutdown or a start-up, or resource exhaustion
   * (SQLSTATE {@code 40xxx}, {@code 55P03}, {@code 57014}, {@code 57P01}–{@code 57P03}, {@code
   * 53xxx}), and a 500 without PostgREST's code (a proxy's answer in front of it).
   */
  TRANSIENT,
  /** 401: the user token (or the project API key) was refused. Retrying will not help. */
  AUTH,
  /** 403, typically {@code 42501} (missing grant or a row-level security policy said no). */
  FORBIDDEN,
  /** 404: unknown table or function ({@code PGRST205}, {@code PGRST202}, v12's {@code {}}). */
  NOT_FOUND,
  /** 409: unique or foreign-key violation ({@code 23505}, {@code 23503}). */
  CONFLICT,
  /** Any other 4xx (and 3xx): the request itself is wrong. */
  CLIENT,
  /** A 5xx that is not known to be transient. */
  SERVER;

  /** True only for {@link #TRANSIENT}. */
  public boolean isRetryable() {
    return this == TRANSIENT;
  }
}
