/**
 * The resilience layer every database call goes through: retry with backoff and a circuit breaker
 * ({@link dev.codebasechat.resilience.RemoteGuard}) and the breaker's state as the store reports
 * it.
 */
@NullMarked
package dev.codebasechat.resilience;

import org.jspecify.annotations.NullMarked;
