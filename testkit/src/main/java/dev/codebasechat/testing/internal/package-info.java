/**
 * The test kit's machinery, not for users: the one PostgREST front (request grammar, keys and
 * tokens, errors, faults, the WireMock transformer) and the {@link
 * dev.codebasechat.testing.internal.Backend} it runs statements on. Used by the kit's entry points
 * and by the PostgreSQL backend's artifact, nothing else.
 */
@NullMarked
package dev.codebasechat.testing.internal;

import org.jspecify.annotations.NullMarked;
