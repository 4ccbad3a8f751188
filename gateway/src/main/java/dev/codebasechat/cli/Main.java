package dev.codebasechat.cli;

import dev.codebasechat.SystemTime;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The jar's command line: {@code serve} runs the gateway, the other subcommands are operator tools.
 * Exit codes: 0 success, 1 a command failed, 2 invalid usage (including invalid settings). A
 * failure is reported as one line on standard error, never a stack trace and never a secret.
 *
 * <p>Every command reads its configuration from environment variables (see {@link
 * dev.codebasechat.gateway.Settings}); {@link #commandLine(Map, Clock)} takes them as a map, so the
 * commands can be run in-process with any environment and clock.
 */
@Command(
    name = "chat-gateway",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Durable chat sessions in Supabase: the HTTP gateway and its operator tools.",
    subcommands = {
      ServeCommand.class,
      TokenCommand.class,
      SessionsCommand.class,
      StatsCommand.class,
      SetAsideCommand.class,
      RecoverCommand.class,
      DrainCommand.class
    })
public final class Main implements Runnable {

  @Spec CommandSpec spec;

  private final OperatorContext context;

  private Main(OperatorContext context) {
    this.context = context;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line over this process's environment and the system clock. */
  public static CommandLine commandLine() {
    return commandLine(System.getenv(), SystemTime.clock(), StandardError.isTerminal());
  }

  /**
   * The command line over {@code environment} (instead of this process's) and {@code clock};
   * progress is shown as plain lines, as when standard error is not a terminal.
   */
  public static CommandLine commandLine(Map<String, String> environment, Clock clock) {
    return commandLine(environment, clock, false);
  }

  private static CommandLine commandLine(
      Map<String, String> environment, Clock clock, boolean terminal) {
    CommandLine commandLine =
        new CommandLine(new Main(new OperatorContext(environment, clock, terminal)))
            .setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setExecutionExceptionHandler(new OneLineErrors());
    commandLine.setParameterExceptionHandler(new UsageErrors());
    return commandLine;
  }

  /** What the operator commands share: environment, clock, files and the database. */
  OperatorContext context() {
    return context;
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

  /**
   * Answers invalid usage with what is wrong in words, picocli's suggestions for a mistyped name,
   * and the usage of the command concerned; exit code 2.
   */
  private static final class UsageErrors implements CommandLine.IParameterExceptionHandler {
    @Override
    public int handleParseException(CommandLine.ParameterException exception, String[] args) {
      CommandLine commandLine = exception.getCommandLine();
      PrintWriter err = commandLine.getErr();
      err.println(describe(exception, commandLine));
      CommandLine.UnmatchedArgumentException.printSuggestions(exception, err);
      commandLine.usage(err, commandLine.getColorScheme());
      err.flush();
      return commandLine.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static String describe(
        CommandLine.ParameterException exception, CommandLine commandLine) {
      if (!(exception instanceof CommandLine.UnmatchedArgumentException unmatched)
          || unmatched.getUnmatched().isEmpty()) {
        return String.valueOf(exception.getMessage());
      }
      String first = unmatched.getUnmatched().get(0);
      Map<String, CommandLine> subcommands = commandLine.getSubcommands();
      if (first.startsWith("-")) {
        return "unknown option '" + first + "'";
      }
      if (!subcommands.isEmpty()) {
        return "unknown command '"
            + first
            + "'; the commands are "
            + String.join(", ", subcommands.keySet());
      }
      return "unexpected argument '"
          + first
          + "': "
          + commandLine.getCommandSpec().qualifiedName()
          + " takes "
          + (commandLine.getCommandSpec().positionalParameters().isEmpty()
              ? "no arguments, only options"
              : "only the arguments its usage shows");
    }
  }

  /**
   * Turns a failed command into one line on standard error and its exit code. Messages of
   * unexpected exceptions are shown too: every exception of this project names things, never a
   * token or key.
   */
  private static final class OneLineErrors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(
        Exception exception, CommandLine commandLine, CommandLine.ParseResult parseResult) {
      String name = commandLine.getCommandSpec().qualifiedName();
      if (exception instanceof OperatorException failure) {
        commandLine.getErr().println(name + ": " + failure.getMessage());
        commandLine.getErr().flush();
        return failure.exitCode();
      }
      String message = exception.getMessage();
      commandLine
          .getErr()
          .println(
              name
                  + ": failed: "
                  + exception.getClass().getSimpleName()
                  + (message == null ? "" : ": " + message));
      commandLine.getErr().flush();
      return OperatorException.FAILURE;
    }
  }
}
