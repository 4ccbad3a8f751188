/**
 * The session table's rules in Java: the formats, limits and CHECK constraints that {@code
 * supabase/migrations} defines, in one place, for every implementation of the table outside
 * PostgreSQL (the core library's embedded table and the test kit's fake). Depends on Jackson's tree
 * model only, so that the test kit can share the rules without the core library.
 */
@NullMarked
package dev.codebasechat.schema;

import org.jspecify.annotations.NullMarked;
