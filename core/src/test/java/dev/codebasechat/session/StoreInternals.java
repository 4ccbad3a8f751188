package dev.codebasechat.session;

import dev.codebasechat.resilience.internal.RemoteGuard;

/**
 * What tests and benchmarks of other packages may reach inside a store: its guard, to force the
 * breaker into a state without waiting for failures. Test fixture only.
 */
public final class StoreInternals {
  private StoreInternals() {}

  /** The guard {@code store} calls the database through. */
  public static RemoteGuard guard(SessionStore store) {
    return store.guard();
  }
}
