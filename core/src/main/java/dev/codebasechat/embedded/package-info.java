/**
 * The embedded session table: where sessions live when no database is configured ({@link
 * dev.codebasechat.embedded.LocalSessionTable}).
 */
@NullMarked
package dev.codebasechat.embedded;

import org.jspecify.annotations.NullMarked;
