package dev.codebasechat.postgrest;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;

/**
 * PostgREST answered with success, with complete JSON beyond what this library reads: objects and
 * arrays nested deeper than 1 000 (stored by another client; the library refuses values nested
 * deeper than {@link dev.codebasechat.schema.PgJsonb#MAX_NESTING_DEPTH}). Always {@link
 * FailureKind#SERVER}: asking again gets the same answer, so it is neither retried nor counted
 * against the circuit breaker. The message names the limit, never the data.
 */
public final class PostgrestUnreadableAnswerException extends PostgrestException {
  private static final long serialVersionUID = 1L;

  PostgrestUnreadableAnswerException(
      Operation operation, String resource, StreamConstraintsException cause) {
    super(
        operation,
        resource,
        "PostgREST "
            + operation.tagValue()
            + " on "
            + resource
            + " answered JSON this library does not read: "
            + cause.getOriginalMessage(),
        cause);
  }

  /** {@link FailureKind#SERVER}. */
  @Override
  public FailureKind kind() {
    return FailureKind.SERVER;
  }
}
