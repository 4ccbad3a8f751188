/**
 * The HTTP service around the session store: settings, routes, main(). The only package that knows
 * HTTP servers; it sits on top of {@code session} and {@code auth}.
 */
@NullMarked
package dev.codebasechat.gateway;

import org.jspecify.annotations.NullMarked;
