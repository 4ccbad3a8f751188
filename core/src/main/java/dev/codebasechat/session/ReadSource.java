package dev.codebasechat.session;

/** Where the answer to a read came from. */
public enum ReadSource {
  /** Read from the database just now (Row Level Security applied to the caller's token). */
  DATABASE,
  /** From this process's cache of what the database confirmed, plus writes not yet sent. */
  CACHE,
  /**
   * From the local copy while the database is unreachable: possibly behind other instances' writes,
   * always including every write this process acknowledged.
   */
  LOCAL
}
