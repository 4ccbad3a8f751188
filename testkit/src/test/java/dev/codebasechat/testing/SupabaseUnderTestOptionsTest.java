package dev.codebasechat.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The options every backend shares ({@link SupabaseUnderTest.Builder}) refuse a bad value at once,
 * and a fake used before it is started says how to start it.
 */
class SupabaseUnderTestOptionsTest {

  @Test
  void aPostgrestMajorOtherThan12To14_isRefused() {
    assertThatThrownBy(() -> FakeSupabase.builder().postgrestMajorVersion(11))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("PostgREST major version must be in 12..14 but was 11");
  }

  @Test
  void aPortOutside0To65535_isRefused() {
    assertThatThrownBy(() -> FakeSupabase.builder().port(65_536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port must be in 0..65535 but was 65536");
  }

  @Test
  void aJwtSecretShorterThan32Bytes_isRefused() {
    assertThatThrownBy(() -> FakeSupabase.builder().jwtSecret("too short"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the jwt secret must be at least 32 bytes of UTF-8 but was 9");
  }

  @Test
  void aNegativeMaxRows_isRefused() {
    assertThatThrownBy(() -> FakeSupabase.builder().maxRows(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxRows must not be negative but was -1");
  }

  @Test
  void aFixedPort_isThePortServed_andKeptAcrossARestart() throws IOException {
    int free;
    try (ServerSocket socket = new ServerSocket(0)) {
      free = socket.getLocalPort();
    }
    try (FakeSupabase fake = FakeSupabase.builder().port(free).build()) {
      fake.start();
      String before = fake.baseUrl();
      fake.close();
      fake.start();

      assertThat(before).isEqualTo("http://127.0.0.1:" + free);
      assertThat(fake.baseUrl()).isEqualTo(before);
    }
  }

  @Test
  void aNegativeRetryAfter_isRefused() {
    try (FakeSupabase fake = FakeSupabase.create()) {
      assertThatThrownBy(() -> fake.retryAfter(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("retryAfter must not be negative but was PT-1S");
    }
  }

  @Test
  void aFakeNotStarted_saysHowToStartIt() {
    try (FakeSupabase fake = FakeSupabase.create()) {
      assertThatThrownBy(fake::restUrl)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("FakeSupabase is not started: call start() or register it as an extension");
    }
  }
}
