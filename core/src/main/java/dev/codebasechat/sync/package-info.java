/**
 * Write-behind machinery: per-key pacing ({@link dev.codebasechat.sync.WritePacer}), the guard
 * every database call goes through ({@link dev.codebasechat.sync.RemoteGuard}), the durable local
 * journal of acknowledged-but-unconfirmed writes ({@link dev.codebasechat.sync.Journal}, {@link
 * dev.codebasechat.sync.SqliteJournal}) and the embedded session table used when no database is
 * configured ({@link dev.codebasechat.sync.LocalSessionTable}).
 */
@NullMarked
package dev.codebasechat.sync;

import org.jspecify.annotations.NullMarked;
