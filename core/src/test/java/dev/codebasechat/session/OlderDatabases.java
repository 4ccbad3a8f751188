package dev.codebasechat.session;

import dev.codebasechat.testing.SupabaseTestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Databases that have not had every migration pushed yet, as users upgrade them. */
final class OlderDatabases {
  private OlderDatabases() {}

  /**
   * A started PostgREST-compatible test server over a database with the project's migrations that
   * come before {@code firstMissing} (a file name of {@code supabase/migrations}), copied into
   * {@code scratch}.
   */
  static SupabaseTestServer withMigrationsBefore(String firstMissing, Path scratch)
      throws IOException {
    try (Stream<Path> files = Files.list(Path.of("supabase", "migrations"))) {
      for (Path file : files.toList()) {
        if (file.getFileName().toString().compareTo(firstMissing) < 0) {
          Files.copy(file, scratch.resolve(file.getFileName()));
        }
      }
    }
    return SupabaseTestServer.builder().migrations(scratch).build().start();
  }
}
