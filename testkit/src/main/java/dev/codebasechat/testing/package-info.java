/**
 * Test support for services built on this library, shipped as the test kit ({@code
 * dev.codebasechat:chat-session-testkit}, for the test scope): {@link
 * dev.codebasechat.testing.SupabaseUnderTest}, a Supabase project's Data API served by one
 * PostgREST front on WireMock, with faults on demand and a record of requests; {@link
 * dev.codebasechat.testing.FakeSupabase}, that front over an in-memory table (the PostgreSQL
 * backend is the artifact {@code chat-session-testkit-postgres}); {@link
 * dev.codebasechat.testing.ManualClock} / {@link dev.codebasechat.testing.ManualScheduler} for time
 * that moves only when a test says so.
 *
 * <p>{@link dev.codebasechat.testing.TestSecrets} knows which values no log line may show (the
 * fakes register their keys and every token they mint); {@link
 * dev.codebasechat.testing.SecretScanningAppender} scans logback events for them and {@link
 * dev.codebasechat.testing.LogSecretCheck} fails a test class whose run leaked one.
 */
@NullMarked
package dev.codebasechat.testing;

import org.jspecify.annotations.NullMarked;
