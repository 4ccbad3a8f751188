package dev.codebasechat.postgrest;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.junit5.WireMockRuntimeInfo;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A WireMock server standing in for PostgREST (dynamic port, journal reset before each test) plus
 * one {@link PostgrestClient} pointed at it for the whole test class, closed afterwards. Register
 * it as a static field:
 *
 * <pre>{@code
 * @RegisterExtension static FakePostgrest wm = new FakePostgrest();
 * ...
 * wm.stubFor(get(urlPathEqualTo("/rest/v1/t")).willReturn(PostgrestResponses.rows("[]", "*\/*")));
 * wm.user().from("t").select().execute();
 * }</pre>
 */
final class FakePostgrest extends WireMockExtension {
  private final UnaryOperator<PostgrestClient.Builder> settings;
  private @Nullable PostgrestClient client;

  FakePostgrest() {
    this(builder -> builder);
  }

  /** {@code settings} adjusts the client built by {@link PostgrestFixtures#clientBuilder}. */
  FakePostgrest(UnaryOperator<PostgrestClient.Builder> settings) {
    super(WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()));
    this.settings = settings;
  }

  @Override
  protected void onBeforeAll(WireMockRuntimeInfo info) {
    client = settings.apply(PostgrestFixtures.clientBuilder(this)).build();
  }

  @Override
  protected void onAfterAll(WireMockRuntimeInfo info) {
    if (client != null) {
      client.close();
    }
  }

  PostgrestClient client() {
    return Objects.requireNonNull(
        client, "FakePostgrest must be a static @RegisterExtension field");
  }

  /** Requests as {@link PostgrestFixtures#USER}. */
  UserScope user() {
    return client().as(PostgrestFixtures.USER);
  }
}
