/**
 * The write-behind's pacing: per-key debounce, at most one flush per key at a time, flush
 * concurrency ({@link dev.codebasechat.writebehind.WritePacer}).
 */
@NullMarked
package dev.codebasechat.writebehind;

import org.jspecify.annotations.NullMarked;
