/**
 * Test support for services built on this library, shipped in the project's test-jar:
 * {@link dev.codebasechat.testing.FakeSupabase}, a stateful, fault-injecting fake of the Supabase
 * Data API for the chat-session table, and {@link dev.codebasechat.testing.ManualClock} /
 * {@link dev.codebasechat.testing.ManualScheduler} for time that moves only when a test says so.
 */
@NullMarked
package dev.codebasechat.testing;

import org.jspecify.annotations.NullMarked;
