/**
 * Verifies Supabase access tokens locally, before anything is read or written.
 *
 * <p>Entry point: {@link dev.codebasechat.auth.SupabaseJwtVerifier}, built once and shared. It
 * checks a bearer token against the project's signing keys (JWKS: ES256, RS256) and/or the legacy
 * HS256 JWT secret and yields a {@link dev.codebasechat.auth.VerifiedUser}; anything else is an
 * {@link dev.codebasechat.auth.InvalidTokenException} whose reason maps to a 401. {@link
 * dev.codebasechat.auth.DevTokenMinter} and {@link dev.codebasechat.auth.LocalJwtSecret} serve the
 * embedded default (no Supabase configured) and operators.
 *
 * <p>Tokens and secrets never appear in messages, {@code toString()} or logs. This package depends
 * on {@code postgrest} only for {@link dev.codebasechat.postgrest.AccessToken}.
 */
@NullMarked
package dev.codebasechat.auth;

import org.jspecify.annotations.NullMarked;
