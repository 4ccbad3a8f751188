/**
 * Durable, always-available chat sessions stored in Supabase through PostgREST with each end user's
 * JWT, fronted by a bounded cache, a debounced write-behind and a local journal.
 *
 * <p>Capabilities live in sub-packages whose dependencies point one way: {@code gateway} → {@code
 * auth}, {@code session} → {@code sync} → {@code postgrest}.
 */
@NullMarked
package dev.codebasechat;

import org.jspecify.annotations.NullMarked;
