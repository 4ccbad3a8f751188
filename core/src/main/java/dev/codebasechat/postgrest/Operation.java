package dev.codebasechat.postgrest;

/** The kind of request, as reported to {@link PostgrestListener} and in exception messages. */
public enum Operation {
  SELECT,
  INSERT,
  UPSERT,
  UPDATE,
  DELETE,
  RPC;

  /** Lower-case name used in messages and metric tags, e.g. {@code "select"}. */
  public String tagValue() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
