/**
 * PostgREST wire client: the only code that speaks HTTP to Supabase's Data API. It knows HTTP, JSON
 * and PostgREST's query grammar, not chat.
 *
 * <p>Entry point: {@link dev.codebasechat.postgrest.PostgrestClient}, built once per project and
 * shared. A user request runs as that end user ({@link
 * dev.codebasechat.postgrest.PostgrestClient#as PostgrestClient.as(AccessToken)}), so Row Level
 * Security decides what it may touch; the service key has its own explicit path ({@link
 * dev.codebasechat.postgrest.PostgrestClient#operator}). Failures are one unchecked family, {@link
 * dev.codebasechat.postgrest.PostgrestException}, classified by {@link
 * dev.codebasechat.postgrest.FailureKind} so a retry or circuit breaker can decide with a plain
 * type-and-kind check.
 *
 * <p>Column, table and function names come from code and are checked against a strict pattern;
 * filter values come from anywhere and can never change the shape of a query.
 */
@NullMarked
package dev.codebasechat.postgrest;

import org.jspecify.annotations.NullMarked;
