/** Machinery of {@code dev.codebasechat.memory}: the window view and message ids. Not an API. */
@NullMarked
package dev.codebasechat.memory.internal;

import org.jspecify.annotations.NullMarked;
