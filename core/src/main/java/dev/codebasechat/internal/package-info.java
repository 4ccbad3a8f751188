/**
 * Helpers the core's packages share (how a blocking form waits for its asynchronous twin). Not for
 * use outside this library.
 */
@NullMarked
package dev.codebasechat.internal;

import org.jspecify.annotations.NullMarked;
