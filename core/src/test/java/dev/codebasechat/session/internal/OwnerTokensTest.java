package dev.codebasechat.session.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.base.Ticker;
import dev.codebasechat.postgrest.AccessToken;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OwnerTokensTest {
  private static final UUID ALICE = UUID.fromString("a11ce000-0000-4000-8000-000000000001");
  private static final AccessToken FIRST = AccessToken.of("first.token.value");
  private static final AccessToken SECOND = AccessToken.of("second.token.value");

  private final AtomicLong nanos = new AtomicLong();
  private final OwnerTokens tokens =
      new OwnerTokens(
          new Ticker() {
            @Override
            public long read() {
              return nanos.get();
            }
          });

  @Test
  void anOwnerNeverSeen_hasNoUsableToken_andNothingParked() {
    assertThat(tokens.usable(ALICE)).isEmpty();
    assertThat(tokens.isParked(ALICE)).isFalse();
  }

  @Test
  void theNewestTokenSent_isTheUsableOne() {
    tokens.remember(ALICE, FIRST);
    tokens.remember(ALICE, SECOND);

    assertThat(tokens.usable(ALICE)).contains(SECOND);
  }

  @Test
  void rememberingWithoutParkedWrites_asksForNoResume() {
    assertThat(tokens.remember(ALICE, FIRST)).isFalse();
  }

  @Test
  void parkingWithoutAToken_parks_andTheNextTokenUnparks() {
    assertThat(tokens.park(ALICE)).isFalse();
    assertThat(tokens.isParked(ALICE)).isTrue();
    assertThat(tokens.parkedOwners()).isEqualTo(1);

    assertThat(tokens.remember(ALICE, FIRST)).isTrue();
    assertThat(tokens.isParked(ALICE)).isFalse();
  }

  @Test
  void parkingWhenAUsableTokenArrivedMeanwhile_doesNotPark() {
    tokens.remember(ALICE, FIRST);

    assertThat(tokens.park(ALICE)).isTrue();
    assertThat(tokens.isParked(ALICE)).isFalse();
  }

  @Test
  void aRefusedToken_isNotUsable_andTheSameTokenSentAgainStaysRefused() {
    tokens.remember(ALICE, FIRST);

    assertThat(tokens.refuse(ALICE, FIRST)).isFalse();
    assertThat(tokens.usable(ALICE)).isEmpty();
    assertThat(tokens.remember(ALICE, FIRST)).isFalse();
    assertThat(tokens.usable(ALICE)).isEmpty();
  }

  @Test
  void refusingAnOlderToken_keepsTheNewerOneUsable() {
    tokens.remember(ALICE, FIRST);
    tokens.remember(ALICE, SECOND);

    assertThat(tokens.refuse(ALICE, FIRST)).isTrue();
    assertThat(tokens.usable(ALICE)).contains(SECOND);
  }

  @Test
  void aTokenIsForgotten_aDayAfterItWasSent() {
    tokens.remember(ALICE, FIRST);

    nanos.addAndGet(Duration.ofHours(24).toNanos());

    assertThat(tokens.usable(ALICE)).isEmpty();
  }
}
