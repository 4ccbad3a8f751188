/**
 * The command line of the jar: {@code serve} (the HTTP gateway) and the operator tools. Depends on
 * every other package; nothing depends on it.
 */
@NullMarked
package dev.codebasechat.cli;

import org.jspecify.annotations.NullMarked;
