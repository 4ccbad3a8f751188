package dev.codebasechat.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The HS256 secret of the embedded default, kept in {@value #FILE_NAME} in a data directory: made
 * once (32 random bytes, base64url, 43 characters) and read back on every later run, so tokens
 * minted before a restart stay valid.
 *
 * <p>The file is written atomically (a temporary file, then a link or move into place), readable
 * and writable by its owner only where the file system has POSIX permissions; when two processes
 * create it at once, both end up with the one that landed first. Immutable and thread-safe once
 * loaded. Messages and {@code toString()} name the file, never its contents.
 */
public final class LocalJwtSecret {

  /** The file name inside the data directory. */
  public static final String FILE_NAME = "jwt-secret";

  private static final int RANDOM_BYTES = 32;
  private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9_-]{43,512}");
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private final Path file;
  private final String value;

  private LocalJwtSecret(Path file, String value) {
    this.file = file;
    this.value = value;
  }

  /**
   * Reads the secret from {@code dataDirectory}, creating the directory and the secret first if
   * absent.
   *
   * @throws IllegalStateException if the file exists but does not hold a secret of the expected
   *     form (base64url, at least 43 characters); the message names the path
   * @throws UncheckedIOException if the file cannot be read or written
   */
  public static LocalJwtSecret loadOrCreate(Path dataDirectory) {
    Path file = dataDirectory.resolve(FILE_NAME);
    try {
      if (Files.notExists(file)) {
        Files.createDirectories(dataDirectory);
        create(file);
      }
      return new LocalJwtSecret(file, read(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the JWT secret file " + file, e);
    }
  }

  /**
   * Reads the secret kept in {@code dataDirectory}, never creating it (nor the directory): for
   * tools that must sign with the secret a running gateway verifies with, where a new one would
   * sign tokens that gateway refuses.
   *
   * @return empty when {@code dataDirectory} holds no {@value #FILE_NAME}
   * @throws IllegalStateException if the file exists but does not hold a secret of the expected
   *     form; the message names the path
   * @throws UncheckedIOException if the file exists but cannot be read
   */
  public static Optional<LocalJwtSecret> loadExisting(Path dataDirectory) {
    Path file = dataDirectory.resolve(FILE_NAME);
    if (Files.notExists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new LocalJwtSecret(file, read(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the JWT secret file " + file, e);
    }
  }

  private static void create(Path file) throws IOException {
    byte[] random = new byte[RANDOM_BYTES];
    new SecureRandom().nextBytes(random);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Path dir = file.toAbsolutePath().getParent();
    boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
    FileAttribute<?>[] attributes =
        posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
            : new FileAttribute<?>[0];
    Path temp = Files.createTempFile(dir, FILE_NAME, ".tmp", attributes);
    try {
      Files.writeString(temp, secret + "\n", StandardCharsets.UTF_8);
      try {
        // A hard link never replaces an existing file: the first secret to land wins.
        Files.createLink(file, temp);
      } catch (FileAlreadyExistsException e) {
        // another process made it first; use theirs
      } catch (UnsupportedOperationException | FileSystemException e) {
        if (Files.notExists(file)) {
          Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        }
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static String read(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (!FORMAT.matcher(text).matches()) {
      throw new IllegalStateException(
          "the JWT secret file "
              + file
              + " is corrupt: expected one line of at least 43 base64url characters;"
              + " delete it to generate a new secret (tokens signed with the old one stop working)");
    }
    return text;
  }

  /** The secret, for {@link SupabaseJwtVerifier.Builder#jwtSecret} and {@link DevTokenMinter}. */
  public String value() {
    return value;
  }

  public Path file() {
    return file;
  }

  /** {@code LocalJwtSecret[file=<path>]}: never the secret. */
  @Override
  public String toString() {
    return "LocalJwtSecret[file=" + file + "]";
  }
}
