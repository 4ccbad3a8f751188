/**
 * The durable local journal of writes acknowledged but not yet confirmed by the database, and the
 * local copies of confirmed sessions ({@link dev.codebasechat.journal.Journal}, {@link
 * dev.codebasechat.journal.SqliteJournal}).
 */
@NullMarked
package dev.codebasechat.journal;

import org.jspecify.annotations.NullMarked;
