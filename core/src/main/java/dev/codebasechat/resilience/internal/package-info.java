/**
 * The resilience layer's machinery: the guard every database call goes through, retry outside a
 * circuit breaker, with deadlines for callers who wait. Not for use outside this library.
 */
@NullMarked
package dev.codebasechat.resilience.internal;

import org.jspecify.annotations.NullMarked;
