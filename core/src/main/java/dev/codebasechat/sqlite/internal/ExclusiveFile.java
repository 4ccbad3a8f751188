package dev.codebasechat.sqlite.internal;

import dev.codebasechat.sqlite.JournalException;
import dev.codebasechat.sqlite.JournalException.Reason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One process per SQLite file: an exclusive OS lock on a companion file ({@code <name>.lock}),
 * released when the file is closed or the process dies, so a second opener fails at once with
 * {@link Reason#IN_USE}. The lock lives on a separate file because SQLite's own POSIX locks on the
 * database would be dropped when any other descriptor of it closes. Thread-safe.
 */
final class ExclusiveFile {
  /**
   * The lock files this process holds. A second open in this process is refused here, before it
   * opens a descriptor of the lock file: OS file locks belong to the process, and closing any
   * descriptor of the file (as a failed second open would) drops the lock the first open holds,
   * letting another process in while this one still writes.
   */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  /**
   * Descriptors of a lock file this process holds under another name (a hard link): closing one
   * would drop the lock, so they stay open for the life of the process. Only a refused open adds
   * one.
   */
  private static final List<FileChannel> KEPT_OPEN = new CopyOnWriteArrayList<>();

  /** A lock taken, and the key it holds in this process's set, released together. */
  record Held(FileLock lock, Path key) {}

  private ExclusiveFile() {}

  /** The companion file whose lock marks a database file as in use. */
  static Path lockFileOf(Path file) {
    Path absolute = file.toAbsolutePath();
    return absolute.resolveSibling(absolute.getFileName() + ".lock");
  }

  /**
   * Takes the lock of {@code path}, or fails naming why. Locks are taken and released under one
   * monitor: an open of the same file under another name between a release and its close would
   * otherwise take a lock that the close drops.
   */
  static synchronized Held lock(Path path) {
    Path lockFile = lockFileOf(path);
    Path key = identity(lockFile);
    if (!HELD.add(key)) {
      throw new JournalException(
          Reason.IN_USE,
          path,
          "the file is in use by another process or an earlier open in this one (one opener"
              + " per file)");
    }
    try {
      return new Held(lockHeldFile(path, lockFile), key);
    } catch (RuntimeException e) {
      HELD.remove(key);
      throw e;
    }
  }

  private static FileLock lockHeldFile(Path path, Path lockFile) {
    FileChannel channel;
    try {
      // Owner-only like the database: a lock file others could open, they could hold locked.
      channel =
          FileChannel.open(
              lockFile,
              Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
              OwnerOnly.file());
    } catch (IOException e) {
      throw new JournalException(
          Reason.READ_ONLY, path, "cannot create the lock file " + lockFile + ": " + e, e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      // Held in this process under another name of the same file (a hard link, a name differing
      // in case on a file system that ignores it): kept open, as closing it drops the lock.
      KEPT_OPEN.add(channel);
      throw new JournalException(
          Reason.IN_USE, path, "the file is already open in this process under another name");
    } catch (IOException e) {
      closeQuietly(channel);
      throw new JournalException(Reason.IO_ERROR, path, "cannot lock " + lockFile + ": " + e, e);
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new JournalException(
          Reason.IN_USE, path, "the file is in use by another process (one process per file)");
    }
    return lock;
  }

  /**
   * One key per file however its directory is named (the directory exists; the lock file may not
   * yet). The key taken is the one released ({@link Held}), whatever the path resolves to later.
   */
  private static Path identity(Path lockFile) {
    Path directory = lockFile.getParent();
    try {
      return directory.toRealPath().resolve(lockFile.getFileName());
    } catch (IOException e) {
      return lockFile.normalize();
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was locked through it
    }
  }

  /** The directory of {@code path} exists and is writable, and so is the file when it exists. */
  static void checkDirectory(Path path) {
    Path directory = path.getParent();
    if (directory == null) {
      throw new JournalException(Reason.READ_ONLY, path, "the file has no parent directory");
    }
    try {
      Files.createDirectories(directory, OwnerOnly.directory(directory));
    } catch (IOException e) {
      throw new JournalException(
          Reason.READ_ONLY, path, "cannot create the directory " + directory + ": " + e, e);
    }
    // SQLite creates -wal and -shm files next to the database, so the directory must be writable
    // even when the file itself exists.
    if (!Files.isDirectory(directory) || !Files.isWritable(directory)) {
      throw new JournalException(
          Reason.READ_ONLY, path, "the directory " + directory + " is not a writable directory");
    }
    if (Files.exists(path) && !Files.isWritable(path)) {
      throw new JournalException(Reason.READ_ONLY, path, "the file is not writable");
    }
  }

  /** Releases the in-use lock; the lock file stays (deleting it would race with a new opener). */
  static synchronized void release(Held held) {
    try {
      held.lock().release();
    } catch (IOException ignored) {
      // closing the channel below releases it as well
    }
    try {
      held.lock().channel().close();
    } catch (IOException ignored) {
      // the OS drops the lock with the process at the latest
    }
    HELD.remove(held.key());
  }
}
