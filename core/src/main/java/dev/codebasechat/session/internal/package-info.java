/**
 * Machinery of the session store and the operator tools: the outboxes and the pending changes they
 * hold, the database and embedded backends behind one interface, the row codec, batched appends and
 * the service-key delivery. Public only so that {@code dev.codebasechat.session} and {@code
 * dev.codebasechat.operator} can share it; not API: it may change in any release, and nothing
 * outside those two packages uses it ({@code ArchitectureTest} checks).
 */
@NullMarked
package dev.codebasechat.session.internal;

import org.jspecify.annotations.NullMarked;
