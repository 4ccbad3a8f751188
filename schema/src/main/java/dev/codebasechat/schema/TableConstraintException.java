package dev.codebasechat.schema;

/**
 * A write that would break one of the session table's CHECK constraints (the database's SQLSTATE
 * 23514): at most 20 000 messages or 16 MiB of history, a context cache that is a JSON object of at
 * most 1 MiB, metadata a JSON object of at most 64 KiB, a repo of at most 512 and a file path of at
 * most 4096 characters. {@link #constraint()} names the rule as the database names it. Nothing was
 * written.
 */
public final class TableConstraintException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String constraint;

  TableConstraintException(String constraint, String message) {
    super(message + " (" + constraint + ")");
    this.constraint = constraint;
  }

  /** The constraint's name, e.g. {@code codebase_chat_sessions_history_max_messages}. */
  public String constraint() {
    return constraint;
  }
}
