/**
 * Operator tools over every user's sessions and over a store's journal, one class per job: {@link
 * dev.codebasechat.operator.SessionListing} (list sessions with totals), {@link
 * dev.codebasechat.operator.JournalInspection} (journal counts, set-aside writes, discard), {@link
 * dev.codebasechat.operator.SessionRecovery} (one session's row and pending writes) and {@link
 * dev.codebasechat.operator.JournalDrain} (deliver journaled writes with the service key, owners
 * enforced). Used by the command line; never on behalf of an end user. Nothing here is {@code null}
 * unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.codebasechat.operator;

import org.jspecify.annotations.NullMarked;
