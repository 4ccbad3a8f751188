package dev.codebasechat.cli;

import dev.codebasechat.gateway.Gateway;
import dev.codebasechat.gateway.Settings;
import dev.codebasechat.session.FlushReport;
import dev.codebasechat.session.PendingSession;
import dev.codebasechat.sqlite.JournalException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code serve}: runs the HTTP gateway configured by the environment until SIGTERM or SIGINT, then
 * shuts it down gracefully (requests in flight finish, pending writes are flushed within a bounded
 * time, what could not be flushed is listed and stays in the journal) and exits 0. Invalid settings
 * are listed on stderr, one per line, and exit 2.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Run the HTTP gateway. Configured by environment variables (docs/operations.md):",
      "SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_JWT_SECRET, PORT, DATA_DIR, GATEWAY_*.",
      "Without SUPABASE_URL sessions are stored locally in DATA_DIR (embedded mode)."
    })
public final class ServeCommand implements Callable<Integer> {
  static final int EXIT_INVALID_SETTINGS = 2;
  static final int EXIT_START_FAILED = 1;

  @Spec CommandSpec spec;

  @ParentCommand Main main;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Settings settings;
    try {
      settings = Settings.fromEnvironment(main.context().environment());
    } catch (Settings.InvalidSettingsException e) {
      err.println("chat-gateway: invalid settings:");
      e.problems().forEach(problem -> err.println("  - " + problem));
      err.flush();
      return EXIT_INVALID_SETTINGS;
    }
    Gateway gateway;
    try {
      Optional<String> stranded = main.context().strandedWrites(settings);
      if (stranded.isPresent()) {
        err.println("chat-gateway: could not start: " + stranded.get());
        err.flush();
        return EXIT_START_FAILED;
      }
      main.context()
          .unreportedSetAside(settings)
          .ifPresent(warning -> err.println("chat-gateway: warning: " + warning));
      err.flush();
      gateway = Gateway.builder(settings).start();
    } catch (JournalException e) {
      err.println(
          "chat-gateway: could not start: "
              + OperatorContext.fileProblem(
                  OperatorContext.fileKind(e.path()),
                  e,
                  "probably a gateway already running on DATA_DIR "
                      + settings.dataDir()
                      + ": give each gateway a data directory of its own"));
      err.flush();
      return EXIT_START_FAILED;
    } catch (java.io.UncheckedIOException e) {
      // The data directory or the secret in it: the message names the path, the cause says why.
      err.println(
          "chat-gateway: could not start: "
              + e.getMessage()
              + ": "
              + OperatorContext.ioReason(java.util.Objects.requireNonNull(e.getCause())));
      err.flush();
      return EXIT_START_FAILED;
    } catch (RuntimeException e) {
      err.println("chat-gateway: could not start: " + e.getMessage());
      err.flush();
      return EXIT_START_FAILED;
    }
    out.printf(
        Locale.ROOT,
        "chat-gateway listening on http://0.0.0.0:%d (mode %s, data dir %s)%n",
        gateway.port(),
        settings.embedded() ? "embedded" : "supabase " + settings.supabaseUrl().orElseThrow(),
        settings.dataDir().toAbsolutePath().normalize());
    out.flush();
    Thread hook =
        new Thread(
            () -> {
              int status = 0;
              try {
                report(gateway.shutdown(), out);
              } catch (RuntimeException | Error e) {
                err.println("chat-gateway: shutdown failed: " + e);
                status = EXIT_START_FAILED;
              } finally {
                out.flush();
                err.flush();
                // A stop asked for by SIGTERM/SIGINT that completed is a normal exit, not 143/130.
                Runtime.getRuntime().halt(status);
              }
            },
            "chat-gateway-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      // Serve until the JVM is asked to stop; the hook does the rest and exits 0.
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  static void report(FlushReport report, PrintWriter out) {
    if (report.isComplete()) {
      out.printf(
          Locale.ROOT,
          "chat-gateway stopped: every acknowledged write is confirmed (%d set aside)%n",
          report.setAside());
    } else {
      out.printf(
          Locale.ROOT,
          "chat-gateway stopped: %d writes of %d sessions could not be confirmed and stay in the journal for the next start (%d set aside)%n",
          report.pendingWrites(),
          report.pending().size(),
          report.setAside());
      for (PendingSession pending : report.pending()) {
        out.printf(
            Locale.ROOT,
            "  pending: session %s, %d writes%s%n",
            pending.sessionId(),
            pending.pendingWrites(),
            pending.lastFailure().map(reason -> " (" + reason + ")").orElse(""));
      }
    }
    out.flush();
  }
}
