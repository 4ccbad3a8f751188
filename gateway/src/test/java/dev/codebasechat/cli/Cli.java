package dev.codebasechat.cli;

import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.TestSecrets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs the command line in-process with an environment, a clock and captured output; fails if
 * anything but a token's standard output holds a secret.
 */
final class Cli {

  /** What a run printed and how it ended. */
  record Result(int exitCode, String out, String err) {
    /** Everything printed, to check that nothing secret appears anywhere. */
    String all() {
      return out + err;
    }
  }

  private Cli() {}

  /** Supabase mode against {@code fake} with the service key, data in {@code dataDir}; mutable. */
  static Map<String, String> supabaseMode(FakeSupabase fake, Path dataDir) {
    Map<String, String> environment = new HashMap<>();
    environment.put("SUPABASE_URL", fake.baseUrl());
    environment.put("SUPABASE_ANON_KEY", fake.apiKey());
    environment.put("SUPABASE_SERVICE_ROLE_KEY", fake.serviceKey());
    environment.put("DATA_DIR", dataDir.toString());
    return environment;
  }

  static Result run(Map<String, String> environment, Clock clock, String... args) {
    CommandLine commandLine = Main.commandLine(environment, clock);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    Result result = new Result(exitCode, out.toString(), err.toString());
    // Only token prints a secret, on purpose and on standard output; nothing else ever does.
    String where = "chat-gateway " + String.join(" ", args);
    TestSecrets.assertNoSecretIn(result.err(), where + " (standard error)");
    if (args.length == 0 || !args[0].equals("token")) {
      TestSecrets.assertNoSecretIn(result.out(), where);
    } else {
      TestSecrets.register(result.out().strip());
    }
    return result;
  }
}
