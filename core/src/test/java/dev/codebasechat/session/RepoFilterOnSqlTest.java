package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.testing.ManualClock;
import dev.codebasechat.testing.SupabaseTestServer;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A list of one repo is a list of exactly that repo, whatever characters its name holds: those
 * PostgREST's query grammar gives a meaning (commas, parentheses, dots, quotes, {@code *}), those a
 * URL gives one ({@code &}, {@code =}, {@code +}, {@code #}, {@code %}), words PostgREST reads as
 * values ({@code null}) and text beyond ASCII. Over real SQL behind the PostgREST-compatible test
 * server: the filter is a value, never a piece of the query.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RepoFilterOnSqlTest {

  @RegisterExtension static SupabaseTestServer supabase = SupabaseTestServer.create();

  private static final ManualClock clock = ManualClock.startingAtEpoch2026();
  private static StoreFixture f;
  private static int sessions;

  @BeforeAll
  static void open() {
    f = new StoreFixture(supabase, clock, b -> b.acknowledgement(Acknowledgement.DATABASE));
  }

  @AfterAll
  static void close() {
    f.store.close();
    f.close();
  }

  private static SessionId sessionOf(UUID user, String repo) {
    SessionId id = StoreFixture.sessionId("repo" + String.format("%04d", ++sessions));
    f.resolve(
        f.store.appendAsync(
            f.caller(user), id, Append.of(List.of(f.message("m1"))).withRepo(repo)));
    return id;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "acme/app,v2",
        "a(b)",
        "in.(x,y)",
        "a&b=c",
        "100%",
        "a%2Cb",
        "a*b",
        "a.b.c",
        "eq.x",
        "null",
        "\"quoted\"",
        "back\\slash",
        "a+b c",
        "a#b;c",
        "é 中文 \uD83D\uDE00",
        " leading and trailing ",
        "or=(repo.eq.x)"
      })
  void aListOfOneRepo_isExactlyThatRepo(String repo) {
    UUID user = supabase.newUser();
    SessionId wanted = sessionOf(user, repo);
    sessionOf(user, repo + "x");
    sessionOf(user, "x" + repo);

    SessionPage page =
        f.blocking(() -> f.store.list(f.caller(user), SessionQuery.limit(10).repo(repo)));

    assertThat(page.source()).isEqualTo(ReadSource.DATABASE);
    assertThat(page.sessions()).extracting(SessionSummary::id).containsExactly(wanted);
    assertThat(page.sessions().get(0).repo()).contains(repo);
    assertThat(page.total()).hasValue(1);
  }
}
