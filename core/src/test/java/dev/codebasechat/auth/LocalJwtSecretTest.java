package dev.codebasechat.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codebasechat.testing.TestSecrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 5, unit = TimeUnit.SECONDS)
class LocalJwtSecretTest {
  @TempDir Path dataDir;

  /** The secret of {@code dir}, registered as one no log line may show. */
  private static LocalJwtSecret created(Path dir) {
    LocalJwtSecret secret = LocalJwtSecret.loadOrCreate(dir);
    TestSecrets.register(secret.value());
    return secret;
  }

  @Test
  void loadOrCreate_firstRun_createsA43CharacterBase64UrlSecret() {
    LocalJwtSecret secret = created(dataDir.resolve("nested"));

    assertThat(secret.value()).matches("[A-Za-z0-9_-]{43}");
    assertThat(secret.file())
        .isEqualTo(dataDir.resolve("nested").resolve(LocalJwtSecret.FILE_NAME));
    assertThat(secret.file()).exists();
  }

  @Test
  void loadOrCreate_secondRun_returnsTheSameSecret() {
    String first = created(dataDir).value();

    assertThat(created(dataDir).value()).isEqualTo(first);
  }

  @Test
  void loadOrCreate_posixFileSystem_fileIsOwnerReadWriteOnly() throws IOException {
    assumeTrue(Files.getFileStore(dataDir).supportsFileAttributeView("posix"));

    Path file = created(dataDir).file();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void loadOrCreate_created_leavesNoTemporaryFile() throws IOException {
    created(dataDir);

    try (var files = Files.list(dataDir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactly(LocalJwtSecret.FILE_NAME);
    }
  }

  @Test
  void loadOrCreate_shortFile_clearErrorNamingThePathNotTheContents() throws IOException {
    Path file = dataDir.resolve(LocalJwtSecret.FILE_NAME);
    Files.writeString(file, TestSecrets.register("tooShortSecretValue"), StandardCharsets.UTF_8);

    assertThatThrownBy(() -> created(dataDir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("corrupt")
        .hasMessageNotContaining("tooShortSecretValue");
  }

  @Test
  void loadOrCreate_binaryFile_clearErrorNamingThePath() throws IOException {
    Path file = dataDir.resolve(LocalJwtSecret.FILE_NAME);
    Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});

    assertThatThrownBy(() -> created(dataDir)).hasMessageContaining(file.toString());
  }

  @Test
  void loadExisting_withoutTheFile_isEmpty_andCreatesNothing() {
    Path nested = dataDir.resolve("nested");

    assertThat(LocalJwtSecret.loadExisting(nested)).isEmpty();
    assertThat(LocalJwtSecret.loadExisting(dataDir)).isEmpty();
    assertThat(nested).doesNotExist();
    assertThat(dataDir.resolve(LocalJwtSecret.FILE_NAME)).doesNotExist();
  }

  @Test
  void loadExisting_readsTheSecretLoadOrCreateMade_andRefusesACorruptOne() throws IOException {
    String made = created(dataDir).value();

    assertThat(LocalJwtSecret.loadExisting(dataDir).orElseThrow().value()).isEqualTo(made);
    Files.writeString(dataDir.resolve(LocalJwtSecret.FILE_NAME), "x", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> LocalJwtSecret.loadExisting(dataDir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("corrupt");
  }

  @Test
  void toString_never_showsTheSecret() {
    LocalJwtSecret secret = created(dataDir);

    assertThat(secret.toString()).doesNotContain(secret.value()).contains(LocalJwtSecret.FILE_NAME);
  }

  @Test
  void loadOrCreate_secretWorksWithMinterAndVerifier() {
    String secret = created(dataDir).value();
    var minter = DevTokenMinter.create(secret, "local", dev.codebasechat.SystemTime.clock());
    var verifier = SupabaseJwtVerifier.builder().jwtSecret(secret).build();

    assertThat(verifier.verify(TestSecrets.register(minter.mint(TestTokens.ALICE))).userId())
        .isEqualTo(TestTokens.ALICE);
  }
}
