/**
 * How calls to the database are retried and when the circuit breaker in front of it opens ({@link
 * dev.codebasechat.resilience.Resilience}), the breaker's state as the store reports it, and the
 * failure of a call that ran out of its deadline.
 */
@NullMarked
package dev.codebasechat.resilience;

import org.jspecify.annotations.NullMarked;
