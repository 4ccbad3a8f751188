package dev.codebasechat.cli;

import dev.codebasechat.testing.FakeSupabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;

/** Runs the command line in-process with an environment, a clock and captured output. */
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
    return new Result(exitCode, out.toString(), err.toString());
  }
}
