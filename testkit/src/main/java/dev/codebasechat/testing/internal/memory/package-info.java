/**
 * The in-memory backend of the front: the session table and the migrations' functions in Java,
 * their rules from the {@code schema} module. Machinery of {@link
 * dev.codebasechat.testing.FakeSupabase}, not for users.
 */
@NullMarked
package dev.codebasechat.testing.internal.memory;

import org.jspecify.annotations.NullMarked;
