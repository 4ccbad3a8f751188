/**
 * How many sessions the write-behind flushes at once ({@link
 * dev.codebasechat.writebehind.FlushConcurrency}).
 */
@NullMarked
package dev.codebasechat.writebehind;

import org.jspecify.annotations.NullMarked;
