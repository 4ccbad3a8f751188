/**
 * Test support for services built on this library, shipped as the test kit ({@code
 * dev.codebasechat:chat-session-testkit}, for the test scope): {@link
 * dev.codebasechat.testing.FakeSupabase}, a stateful, fault-injecting fake of the Supabase Data API
 * for the chat-session table, and {@link dev.codebasechat.testing.ManualClock} / {@link
 * dev.codebasechat.testing.ManualScheduler} for time that moves only when a test says so.
 *
 * <p>{@link dev.codebasechat.testing.TestSecrets} knows which values no log line may show (the fake
 * registers its keys and every token it mints); {@link
 * dev.codebasechat.testing.SecretScanningAppender} scans logback events for them and {@link
 * dev.codebasechat.testing.LogSecretCheck} fails a test class whose run leaked one.
 */
@NullMarked
package dev.codebasechat.testing;

import org.jspecify.annotations.NullMarked;
