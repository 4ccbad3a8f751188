package dev.codebasechat.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The jar's command line: {@code serve} runs the gateway, the other subcommands are operator
 * tools. Exit codes follow picocli: 0 success, 1 a command failed, 2 invalid usage.
 */
@Command(
    name = "chat-gateway",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Durable chat sessions in Supabase: the HTTP gateway and its operator tools.",
    subcommands = {ServeCommand.class})
public final class Main implements Runnable {

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, shared by {@link #main} and tests. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public void run() {
    // No subcommand given: show what there is rather than doing something surprising.
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"chat-gateway " + (version == null ? "(development build)" : version)};
    }
  }
}
