package dev.codebasechat.contract;

import dev.codebasechat.testing.FakeSupabase;
import dev.codebasechat.testing.ManualClock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contract against {@link FakeSupabase}, the WireMock fake of the Data API. */
class FakeSupabaseContractTest extends SessionTableContract implements RepeatableWritesContract {
  private static final ManualClock CLOCK = ManualClock.startingAtEpoch2026();

  @RegisterExtension static FakeSupabase fake = FakeSupabase.builder().clock(CLOCK).build();

  private PostgrestChatTable table;

  @Override
  public PostgrestChatTable table() {
    if (table == null) {
      table =
          new PostgrestChatTable(
              fake.restUrl(),
              fake.apiKey(),
              fake::tokenFor,
              UUID::randomUUID,
              () -> CLOCK.advance(Duration.ofMillis(7)));
    }
    return table;
  }

  @AfterEach
  void close() {
    if (table != null) {
      table.close();
    }
  }
}
