package dev.codebasechat.testing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/**
 * Who a request runs as once the keys and its token were checked: the database role and the claims
 * that {@code request.jwt.claims} holds (always with {@code role}). {@code authed}: the role is not
 * the anonymous one, which makes a 42501 a 403 instead of a 401.
 */
public record Identity(String role, String claimsJson, boolean authed, @Nullable String sub) {

  static Identity of(String role, ObjectNode claims) {
    claims.put("role", role);
    JsonNode sub = claims.get("sub");
    return new Identity(
        role, claims.toString(), !role.equals("anon"), sub == null ? null : sub.asText());
  }
}
