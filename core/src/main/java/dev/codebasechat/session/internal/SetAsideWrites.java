package dev.codebasechat.session.internal;

import dev.codebasechat.session.SetAsideWrite;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes the database refused for good, oldest first: kept in memory for status and in the
 * journal for operators (never replayed). Thread-safe.
 */
public final class SetAsideWrites {
  private static final Logger log = LoggerFactory.getLogger(SetAsideWrites.class);

  private final List<SetAsideWrite> writes = new CopyOnWriteArrayList<>();
  private final JournalBridge journal;

  public SetAsideWrites(JournalBridge journal) {
    this.journal = journal;
  }

  /**
   * Records {@code write} (the change {@code op}) durably and logs it once; {@code sessionFull}:
   * the database refused it because its session is full.
   *
   * @throws dev.codebasechat.sqlite.JournalException when the journal cannot record it; then it is
   *     not set aside here either
   */
  public void add(SetAsideWrite write, PendingOp op, boolean sessionFull) {
    journal.keepSetAside(write, op, sessionFull);
    writes.add(write);
    log.warn(
        "set aside a {} of session {} ({} messages): {}",
        write.operation(),
        write.sessionId(),
        write.messageIds().size(),
        write.reason());
  }

  /** A set-aside write found in the journal at start. */
  public void restored(SetAsideWrite write) {
    writes.add(write);
  }

  public List<SetAsideWrite> all() {
    return List.copyOf(writes);
  }

  public int size() {
    return writes.size();
  }
}
