package dev.codebasechat.sqlite;

/**
 * What a committed write to a SQLite file of this package survives. Both levels run SQLite in WAL
 * mode ({@code PRAGMA journal_mode=WAL}); they differ only in {@code PRAGMA synchronous}, the
 * setting that trades durability against commit latency. Either way the file stays consistent
 * (never half a transaction) after any crash.
 */
public enum Durability {

  /**
   * {@code PRAGMA synchronous=FULL}: every commit fsyncs the write-ahead log before it returns. A
   * write that returned survives a process crash ({@code kill -9}) <b>and</b> an OS crash or power
   * loss (as far as the disk honours fsync). The default.
   */
  FULL("FULL"),

  /**
   * {@code PRAGMA synchronous=NORMAL}: commits append to the write-ahead log without fsync; the log
   * is synced only at checkpoints. A write that returned survives a process crash ({@code kill -9}:
   * the data is in the OS page cache), but the last commits before an OS crash or power loss may be
   * lost (rolled back, never corrupted). Faster: no fsync on the commit path.
   */
  PROCESS_CRASH_SAFE("NORMAL");

  private final String synchronous;

  Durability(String synchronous) {
    this.synchronous = synchronous;
  }

  /** The value given to {@code PRAGMA synchronous}. */
  public String synchronousPragma() {
    return synchronous;
  }
}
