package dev.codebasechat.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.testing.FakeSession;
import dev.codebasechat.testing.FakeSupabase;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With database acknowledgement, an append that creates its session and a clear of it go to the
 * database side by side: a clear confirmed while the append's answer was on its way is not hidden
 * by the copy that answer describes. The append's answer is held back by the test's own HTTP client
 * until the clear is confirmed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AppendOvertakenTest {

  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");

  @RegisterExtension static FakeSupabase fake = FakeSupabase.create();

  @Test
  void databaseAcknowledgement_aClearConfirmedWhileACreatingAppendsAnswerWasOnItsWay_isNotHidden()
      throws Exception {
    CountDownLatch appendApplied = new CountDownLatch(1);
    CountDownLatch answerTheAppend = new CountDownLatch(1);
    AtomicBoolean held = new AtomicBoolean();
    OkHttpClient http =
        new OkHttpClient.Builder()
            .addInterceptor(
                chain -> {
                  Response response = chain.proceed(chain.request());
                  if (chain.request().url().encodedPath().endsWith("/rpc/append_chat_messages")
                      && held.compareAndSet(false, true)) {
                    appendApplied.countDown();
                    awaitQuietly(answerTheAppend);
                  }
                  return response;
                })
            .build();
    SessionId id = SessionId.of("chat-1767225600000-overtaken1");
    Caller alice = new Caller(ALICE, AccessToken.of(fake.tokenFor(ALICE)));
    try (PostgrestClient client =
            PostgrestClient.builder()
                .okHttpClient(http)
                .restUrl(fake.restUrl())
                .apiKey(ApiKey.of(fake.apiKey()))
                .build();
        SessionStore store =
            SessionStore.builder(client)
                .acknowledgement(Acknowledgement.DATABASE)
                .cacheFreshness(Duration.ofMinutes(10))
                .build()) {
      CompletableFuture<AppendReceipt> append =
          store.appendAsync(
              alice, id, Append.of(ChatMessage.user("hello").withId(MessageId.of("m1"))));
      assertThat(appendApplied.await(10, TimeUnit.SECONDS)).isTrue();

      store.clear(alice, id);
      answerTheAppend.countDown();
      append.get(10, TimeUnit.SECONDS);

      assertThat(fake.session(id.value()).map(FakeSession::messageIds).orElseThrow()).isEmpty();
      assertThat(store.history(alice, id).session().messages()).isEmpty();
    } finally {
      answerTheAppend.countDown();
      http.dispatcher().executorService().shutdown();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) throws IOException {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while holding the answer", e);
    }
  }
}
