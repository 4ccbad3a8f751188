package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.codebasechat.postgrest.PostgrestFixtures.REST;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE;
import static dev.codebasechat.postgrest.PostgrestFixtures.TABLE_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Appending N messages sends only those N: the bytes on the wire do not grow with the stored
 * history (DESIGN.md: the append is O(size of the new messages)).
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class AppendRequestSizeTest {
  @RegisterExtension
  static WireMockExtension wm =
      WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private static final String APPEND_PATH = REST + "/rpc/append_messages";

  record Message(String id, String role, String content) {}

  @Test
  void appendRpc_historyOf10Vs10000_sendsIdenticalBytes() {
    byte[] small = appendAfterLoadingHistory(10);
    byte[] large = appendAfterLoadingHistory(10_000);

    assertThat(large).hasSameSizeAs(small).isEqualTo(small);
  }

  /** Loads a session holding {@code historySize} messages, then appends the same three. */
  private static byte[] appendAfterLoadingHistory(int historySize) {
    wm.resetAll();
    String history =
        IntStream.range(0, historySize)
            .mapToObj(
                i -> "{\"id\":\"m" + i + "\",\"role\":\"user\",\"content\":\"message " + i + "\"}")
            .collect(Collectors.joining(",", "[", "]"));
    wm.stubFor(
        get(urlPathEqualTo(TABLE_PATH))
            .willReturn(
                PostgrestResponses.singleRow(
                    "{\"session_id\":\"s1\",\"conversation_history\":" + history + "}")));
    wm.stubFor(
        post(urlPathEqualTo(APPEND_PATH))
            .willReturn(PostgrestResponses.rpcResult(Integer.toString(historySize + 3))));

    try (PostgrestClient client = PostgrestFixtures.clientBuilder(wm).build()) {
      UserScope user = client.as(PostgrestFixtures.USER);
      assertThat(
              user.from(TABLE).select().eq("session_id", "s1").single().get("conversation_history"))
          .hasSize(historySize);
      List<Message> added =
          List.of(
              new Message("m-new-1", "user", "How do I run the tests?"),
              new Message("m-new-2", "assistant", "mvn -B verify"),
              new Message("m-new-3", "user", "Thanks"));
      PostgrestResult result =
          user.rpc("append_messages", Map.of("p_session_id", "s1", "p_messages", added)).execute();
      assertThat(result.body().asInt()).isEqualTo(historySize + 3);
    }
    List<LoggedRequest> appends = wm.findAll(postRequestedFor(urlPathEqualTo(APPEND_PATH)));
    assertThat(appends).hasSize(1);
    return appends.get(0).getBody();
  }
}
