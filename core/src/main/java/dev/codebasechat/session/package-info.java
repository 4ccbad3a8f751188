/**
 * Chat sessions made durable: {@link dev.codebasechat.session.SessionStore} (reads from a bounded
 * cache of what the database confirmed, writes acknowledged into a journal and sent debounced), the
 * value types of a session and its messages. The operator tools are in {@code
 * dev.codebasechat.operator}, the machinery in {@code dev.codebasechat.session.internal}. Nothing
 * here is {@code null} unless annotated {@code @Nullable}; absent values are {@link
 * java.util.Optional} or empty collections.
 */
@NullMarked
package dev.codebasechat.session;

import org.jspecify.annotations.NullMarked;
