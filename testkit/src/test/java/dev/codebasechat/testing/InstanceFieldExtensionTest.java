package dev.codebasechat.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * Registered on an instance field, which JUnit gives no class-wide callbacks, the extension starts
 * before each test and is stopped after it, rather than left running for the rest of the JVM.
 */
class InstanceFieldExtensionTest {
  private static final List<FakeSupabase> SEEN = new CopyOnWriteArrayList<>();

  /** Run by the test below through its own launcher; surefire skips nested classes. */
  static class WithAnInstanceField {
    @RegisterExtension FakeSupabase supabase = FakeSupabase.create();

    @Test
    void first() {
      SEEN.add(supabase);
      assertThat(supabase.port()).isPositive();
    }

    @Test
    void second() {
      SEEN.add(supabase);
      assertThat(supabase.port()).isPositive();
    }
  }

  @Test
  void anInstanceField_isStartedForEachTest_andStoppedAfterIt() {
    SEEN.clear();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();

    LauncherFactory.create()
        .execute(
            LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(WithAnInstanceField.class))
                .build(),
            listener);

    assertThat(listener.getSummary().getTestsSucceededCount()).isEqualTo(2);
    assertThat(SEEN).hasSize(2);
    for (FakeSupabase used : SEEN) {
      assertThatThrownBy(used::port)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is not started");
    }
  }
}
