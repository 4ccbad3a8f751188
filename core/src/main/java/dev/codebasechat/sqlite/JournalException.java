package dev.codebasechat.sqlite;

import java.nio.file.Path;

/**
 * A journal (or local session table) could not do what was asked, so nothing it was asked to make
 * durable may be treated as durable. The message names the file and the cause; {@link #reason()}
 * says what kind of failure it was, so a caller can tell a full disk from a corrupt file.
 */
public final class JournalException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The kind of failure. */
  public enum Reason {
    /** The disk (or the configured size limit) is full: {@code SQLITE_FULL}. */
    DISK_FULL,
    /** The operating system reported an I/O error: {@code SQLITE_IOERR}. */
    IO_ERROR,
    /** The file or its directory cannot be written: {@code SQLITE_READONLY}, permissions. */
    READ_ONLY,
    /** The file is not a SQLite database, fails its integrity check or belongs to another use. */
    CORRUPT,
    /**
     * The file was written by a newer version of this library (its schema version is higher): this
     * one neither reads nor changes it.
     */
    NEWER_VERSION,
    /** Another process held the file's write lock for longer than the busy timeout. */
    BUSY,
    /**
     * Another process (or another open instance in this one) has the file open: each journal or
     * session table file belongs to one process at a time, e.g. a running gateway.
     */
    IN_USE,
    /** The journal was closed. */
    CLOSED,
    /** Anything else SQLite reported; the message carries its code. */
    OTHER
  }

  private final Reason reason;
  private final transient Path path;
  private final String detail;

  public JournalException(Reason reason, Path path, String message, Throwable cause) {
    super(message + " [" + reason + ", file " + path + "]", cause);
    this.reason = reason;
    this.path = path;
    this.detail = message;
  }

  public JournalException(Reason reason, Path path, String message) {
    super(message + " [" + reason + ", file " + path + "]");
    this.reason = reason;
    this.path = path;
    this.detail = message;
  }

  /** What is wrong, without the reason and the file the message adds. */
  public String detail() {
    return detail;
  }

  public Reason reason() {
    return reason;
  }

  /** The database file concerned. */
  public Path path() {
    return path;
  }
}
