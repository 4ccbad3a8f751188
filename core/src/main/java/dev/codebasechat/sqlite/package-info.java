/**
 * What the journal and the embedded table share: a SQLite file with its durability and commit
 * grouping, and the failure of a local write ({@link dev.codebasechat.sqlite.JournalException}).
 */
@NullMarked
package dev.codebasechat.sqlite;

import org.jspecify.annotations.NullMarked;
