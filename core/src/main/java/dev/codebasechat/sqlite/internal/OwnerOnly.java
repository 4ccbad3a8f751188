package dev.codebasechat.sqlite.internal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files and directories only their owner may read: the SQLite files hold users' conversations. On a
 * file system without POSIX permissions, the platform's defaults. What exists is left as it is.
 * Stateless.
 */
final class OwnerOnly {
  private OwnerOnly() {}

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** The attributes of a directory only its owner may enter ({@code rwx------}). */
  static FileAttribute<?>[] directory(Path directory) {
    return posix()
        ? new FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))
        }
        : new FileAttribute<?>[0];
  }

  /** The attributes of a file only its owner may read or write ({@code rw-------}). */
  static FileAttribute<?>[] file() {
    return posix()
        ? new FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
        }
        : new FileAttribute<?>[0];
  }

  /**
   * Creates {@code file} empty and {@code rw-------} when it does not exist, so that SQLite, which
   * gives its -wal and -shm files the database file's permissions, opens a file only its owner
   * reads.
   */
  static void createFileIfAbsent(Path file) throws IOException {
    if (Files.exists(file)) {
      return;
    }
    try {
      Files.createFile(file, file());
    } catch (FileAlreadyExistsException e) {
      // created meanwhile: as it is
    }
  }
}
