package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One shared client serves many users at once: every request carries exactly the token of the scope
 * it was built from, whether sent synchronously from many threads or asynchronously.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ConcurrentUseTest {
  @RegisterExtension static FakePostgrest wm = new FakePostgrest();

  private static final int USERS = 8;
  private static final int CALLS_PER_USER = 20;

  @Test
  void sharedClient_manyUsersOnManyThreads_neverMixesTokens() throws Exception {
    wm.stubFor(any(anyUrl()).willReturn(PostgrestResponses.rows("[]", "*/*")));
    List<String> tokens = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      tokens.add(PostgrestFixtures.jwt("{\"sub\":\"user-" + u + "\",\"role\":\"authenticated\"}"));
    }
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(USERS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int u = 0; u < USERS; u++) {
        String token = tokens.get(u);
        String sub = "user-" + u;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  UserScope user = wm.client().as(AccessToken.of(token));
                  List<CompletableFuture<PostgrestResult>> async = new ArrayList<>();
                  for (int i = 0; i < CALLS_PER_USER / 2; i++) {
                    user.from(TABLE).select().eq("user_id", sub).execute();
                    async.add(user.from(TABLE).select().eq("user_id", sub).executeAsync());
                  }
                  async.forEach(CompletableFuture::join);
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(15, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    for (int u = 0; u < USERS; u++) {
      assertThat(
              wm.countRequestsMatching(
                      getRequestedFor(anyUrl())
                          .withHeader("Authorization", equalTo("Bearer " + tokens.get(u)))
                          .withQueryParam("user_id", equalTo("eq.user-" + u))
                          .build())
                  .getCount())
          .isEqualTo(CALLS_PER_USER);
    }
    assertThat(wm.getAllServeEvents()).hasSize(USERS * CALLS_PER_USER);
  }
}
