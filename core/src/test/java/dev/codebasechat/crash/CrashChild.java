package dev.codebasechat.crash;

import dev.codebasechat.embedded.LocalSessionTable;
import dev.codebasechat.journal.SqliteJournal;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.AppendReceipt;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.FlushReport;
import dev.codebasechat.session.MessageId;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionQuery;
import dev.codebasechat.session.SessionStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The process the crash tests kill. Appends a stream of messages round-robin over a few sessions
 * and prints {@code ACK <session> <message>} only after the store acknowledged each one; the test
 * kills it with SIGKILL at a random point and starts it again.
 *
 * <p>Arguments: {@code supabase <restUrl> <apiKey> <journalFile> <run> <count> (<user> <token>
 * <session>)+} or {@code embedded <tableFile> <run> <count> (<user> <token> <session>)+}. With
 * {@code count} 0 it only drains: presents every user's token, flushes until nothing is pending,
 * prints {@code DRAINED} (or, embedded, prints {@code HAS <session> <message>} for everything
 * stored).
 */
public final class CrashChild {

  private CrashChild() {}

  private record User(Caller caller, SessionId session) {}

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    boolean embedded = args[0].equals("embedded");
    int i = 1;
    String restUrl = embedded ? "" : args[i++];
    String apiKey = embedded ? "" : args[i++];
    Path file = Path.of(args[i++]);
    String run = args[i++];
    int count = Integer.parseInt(args[i++]);
    List<User> users = new ArrayList<>();
    while (i < args.length) {
      UUID user = UUID.fromString(args[i++]);
      users.add(new User(new Caller(user, AccessToken.of(args[i++])), SessionId.of(args[i++])));
    }
    Clock clock = Clock.systemUTC();

    if (embedded) {
      try (LocalSessionTable table = LocalSessionTable.builder().path(file).build();
          SessionStore store = SessionStore.embedded(table).build()) {
        if (count == 0) {
          for (User user : users) {
            for (ChatMessage message :
                store.history(user.caller(), user.session()).session().messages()) {
              out.println("HAS " + user.session() + " " + message.id());
            }
          }
          out.flush();
          return;
        }
        appendStream(store, users, run, count, clock, out);
      }
      return;
    }

    try (SqliteJournal journal = SqliteJournal.builder().path(file).build();
        PostgrestClient client =
            PostgrestClient.builder()
                .restUrl(restUrl)
                .apiKey(ApiKey.of(apiKey))
                .connectTimeout(Duration.ofMillis(500))
                .readTimeout(Duration.ofSeconds(2))
                .callTimeout(Duration.ofSeconds(3))
                .build()) {
      SessionStore store =
          SessionStore.builder(client)
              .journal(journal)
              .debounce(Duration.ofMillis(40))
              .closeTimeout(Duration.ofSeconds(20))
              .build();
      if (count == 0) {
        for (User user : users) {
          // Presenting the token releases the user's replayed writes.
          store.list(user.caller(), SessionQuery.limit(1));
        }
        FlushReport report = store.flush(Duration.ofSeconds(60));
        out.println(report.isComplete() ? "DRAINED" : "PENDING " + report.pendingWrites());
        out.flush();
        store.close();
        return;
      }
      appendStream(store, users, run, count, clock, out);
      store.close();
    }
  }

  private static void appendStream(
      SessionStore store, List<User> users, String run, int count, Clock clock, PrintStream out) {
    for (int n = 0; n < count; n++) {
      User user = users.get(n % users.size());
      String id = "r" + run + "-" + n;
      AppendReceipt receipt =
          store.append(
              user.caller(),
              user.session(),
              Append.of(
                  List.of(
                      new ChatMessage(
                          MessageId.of(id),
                          Role.USER,
                          "message " + id,
                          clock.instant(),
                          Optional.empty()))));
      if (receipt.accepted() == 1) {
        out.println("ACK " + user.session() + " " + id);
        out.flush();
      }
    }
  }
}
