package dev.codebasechat.cli;

import dev.codebasechat.auth.DevTokenMinter;
import dev.codebasechat.auth.LocalJwtSecret;
import dev.codebasechat.gateway.Settings;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code token}: mints an access token for trying the API; prints only the token. */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = {
      "Mints an access token for a user, to try the API with curl:",
      "  TOKEN=$(scripts/gateway token --user <uuid>)",
      "Prints only the token on standard output (nothing is logged).",
      "",
      "Embedded default (no SUPABASE_URL): signed with SUPABASE_JWT_SECRET, or with the secret the"
          + " gateway keeps in DATA_DIR/jwt-secret (made by the gateway's first start), so the gateway"
          + " accepts it. This command never makes a secret: give it the gateway's DATA_DIR.",
      "Supabase mode: only for projects with a legacy JWT secret (SUPABASE_JWT_SECRET); otherwise"
          + " access tokens come from Supabase Auth (sign the user in) and this command fails (exit 1).",
      "",
      "Exit codes: 0 printed, 1 cannot mint in this configuration, 2 bad option or settings."
    })
final class TokenCommand implements Callable<Integer> {

  /** Supabase Auth lets a project's access tokens live at most a week. */
  static final Duration MAX_LIFETIME = Duration.ofDays(7);

  @ParentCommand Main main;

  @Spec CommandSpec spec;

  @Option(
      names = "--user",
      required = true,
      paramLabel = "<uuid>",
      converter = Converters.UserIdConverter.class,
      description = "The user id (the token's sub).")
  UUID user;

  @Option(
      names = "--lifetime",
      paramLabel = "<duration>",
      defaultValue = "1h",
      converter = Converters.DurationConverter.class,
      description =
          "How long the token stays valid: 90s, 30m, 1h, 2d (at most 7d); default ${DEFAULT-VALUE}.")
  Duration lifetime;

  @Override
  public Integer call() {
    if (lifetime.compareTo(MAX_LIFETIME) > 0) {
      throw new OperatorException(OperatorException.USAGE, "--lifetime must be at most 7d");
    }
    OperatorContext context = main.context();
    Settings settings = context.settings();
    String secret;
    if (settings.jwtSecret().isPresent()) {
      secret = settings.jwtSecret().get().value();
    } else if (settings.embedded()) {
      secret = gatewaysSecret(settings.dataDir());
    } else {
      throw new OperatorException(
          "this project has no SUPABASE_JWT_SECRET: its access tokens come from Supabase Auth"
              + " (sign the user in, e.g. with supabase-js or the Auth API); token mints tokens only for"
              + " the embedded default or projects with a legacy JWT secret");
    }
    String token =
        DevTokenMinter.create(secret, settings.tokenIssuer(), context.clock()).mint(user, lifetime);
    spec.commandLine().getOut().println(token);
    spec.commandLine().getOut().flush();
    return 0;
  }

  /**
   * The secret the embedded gateway verifies with. Never created here: a secret made for this
   * command alone would sign tokens the gateway refuses ("invalid token signature").
   */
  private static String gatewaysSecret(Path dataDir) {
    Optional<LocalJwtSecret> existing;
    try {
      existing = LocalJwtSecret.loadExisting(dataDir);
    } catch (UncheckedIOException e) {
      // The message names the file, the cause says why it cannot be read.
      throw new OperatorException(
          e.getMessage() + ": " + OperatorContext.ioReason(Objects.requireNonNull(e.getCause())));
    } catch (IllegalStateException e) {
      throw new OperatorException(
          Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName()));
    }
    if (existing.isEmpty()) {
      Path looked = dataDir.toAbsolutePath().normalize().resolve(LocalJwtSecret.FILE_NAME);
      throw new OperatorException(
          "no JWT secret at "
              + looked
              + " (DATA_DIR="
              + dataDir
              + "): token signs with the secret the gateway keeps in its DATA_DIR and never makes"
              + " one; point it at the gateway's, e.g. DATA_DIR=/path/to/gateway/data scripts/gateway"
              + " token --user <uuid>, or start the gateway once (scripts/serve) to create it");
    }
    return existing.get().value();
  }
}
