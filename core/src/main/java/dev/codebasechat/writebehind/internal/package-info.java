/**
 * The write-behind's pacing: per-key debounce, at most one flush per key at a time, flush
 * concurrency, keys of one group flushed together. Not for use outside this library.
 */
@NullMarked
package dev.codebasechat.writebehind.internal;

import org.jspecify.annotations.NullMarked;
