package dev.codebasechat.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebasechat.testing.postgres.DatabaseRequest;
import dev.codebasechat.testing.postgres.SupabaseDatabase;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/**
 * The RPC functions of the migrations called as PostgREST calls them ({@code POST /rpc/<name>} with
 * the caller's JWT), returning their JSON results parsed. Stateless; SQL errors propagate as {@link
 * SQLException} with the function's SQLSTATE.
 */
public final class ChatRpc {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SupabaseDatabase db;

  public ChatRpc(SupabaseDatabase db) {
    this.db = db;
  }

  /** {@code append_chat_messages(sessionId, messages)} as {@code request}; its result, or null. */
  public JsonNode append(DatabaseRequest request, String sessionId, String messagesJson)
      throws SQLException {
    return append(request, sessionId, messagesJson, null, null);
  }

  /** {@code append_chat_messages} with all four arguments. */
  public JsonNode append(
      DatabaseRequest request,
      String sessionId,
      String messagesJson,
      String repo,
      String currentFile)
      throws SQLException {
    return call(
        request,
        "append_chat_messages",
        "select public.append_chat_messages(?, ?::jsonb, ?, ?)::text",
        sessionId,
        messagesJson,
        repo,
        currentFile);
  }

  /** {@code append_chat_messages} on a connection of the caller's own (for parallel requests). */
  public static JsonNode append(
      Connection authenticator, UUID user, String sessionId, String messagesJson)
      throws SQLException {
    return DatabaseRequest.asUser(user)
        .to("POST", "/rpc/append_chat_messages")
        .run(
            authenticator,
            c ->
                query(
                    c,
                    "select public.append_chat_messages(?, ?::jsonb)::text",
                    sessionId,
                    messagesJson));
  }

  /** {@code clear_chat_history(sessionId)}; null when the caller has no such session. */
  public JsonNode clear(DatabaseRequest request, String sessionId) throws SQLException {
    return call(
        request, "clear_chat_history", "select public.clear_chat_history(?)::text", sessionId);
  }

  /** {@code clear_chat_history(sessionId, clearId)}: a clear named by its id. */
  public JsonNode clear(DatabaseRequest request, String sessionId, UUID clearId)
      throws SQLException {
    return call(
        request,
        "clear_chat_history",
        "select public.clear_chat_history(?, ?::uuid)::text",
        sessionId,
        clearId.toString());
  }

  /** {@code delete_chat_session(sessionId, deleteId)}: a delete named by its id. */
  public JsonNode delete(DatabaseRequest request, String sessionId, UUID deleteId)
      throws SQLException {
    return call(
        request,
        "delete_chat_session",
        "select to_jsonb(public.delete_chat_session(?, ?::uuid))::text",
        sessionId,
        deleteId.toString());
  }

  /**
   * {@code chat_session_changes(sessionId, sinceVersion)}: what changed since the version; null
   * when the caller has no such session.
   */
  public JsonNode changes(DatabaseRequest request, String sessionId, Long sinceVersion)
      throws SQLException {
    return call(
        request,
        "chat_session_changes",
        "select public.chat_session_changes(?, ?::bigint)::text",
        sessionId,
        sinceVersion);
  }

  /**
   * {@code store_chat_session_for(owner, sessionId, expectedVersion, sessionJson)} (service_role's
   * write of a whole session; {@code sessionJson} null deletes it): true when written, false when
   * the row is not at {@code expectedVersion}.
   */
  public JsonNode store(
      DatabaseRequest request,
      UUID owner,
      String sessionId,
      Long expectedVersion,
      String sessionJson)
      throws SQLException {
    return call(
        request,
        "store_chat_session_for",
        "select to_jsonb(public.store_chat_session_for(?::uuid, ?, ?::bigint, ?::jsonb))::text",
        owner,
        sessionId,
        expectedVersion,
        sessionJson);
  }

  /**
   * {@code append_chat_messages_for(owner, sessionId, messagesJson)} (service_role's append as a
   * given owner): the append's answer, or null when the session belongs to someone else.
   */
  public JsonNode appendFor(
      DatabaseRequest request, UUID owner, String sessionId, String messagesJson)
      throws SQLException {
    return call(
        request,
        "append_chat_messages_for",
        "select public.append_chat_messages_for(?::uuid, ?, ?::jsonb)::text",
        owner,
        sessionId,
        messagesJson);
  }

  /**
   * {@code append_chat_messages_for(owner, sessionId, messagesJson, p_create => false)}: the
   * append's answer to a session that exists, {@code {"session_id", "missing": true}} when none
   * does, or null when the session belongs to someone else.
   */
  public JsonNode appendForExisting(
      DatabaseRequest request, UUID owner, String sessionId, String messagesJson)
      throws SQLException {
    return call(
        request,
        "append_chat_messages_for",
        "select public.append_chat_messages_for(?::uuid, ?, ?::jsonb, p_create => false)::text",
        owner,
        sessionId,
        messagesJson);
  }

  /**
   * {@code append_chat_messages_batch(appendsJson)} as {@code request}: one answer per append, in
   * session id order.
   */
  public JsonNode appendBatch(DatabaseRequest request, String appendsJson) throws SQLException {
    return call(
        request,
        "append_chat_messages_batch",
        "select public.append_chat_messages_batch(?::jsonb)::text",
        appendsJson);
  }

  /** {@code append_chat_messages_batch} on a connection of the caller's own (in parallel). */
  public static JsonNode appendBatch(Connection authenticator, UUID user, String appendsJson)
      throws SQLException {
    return DatabaseRequest.asUser(user)
        .to("POST", "/rpc/append_chat_messages_batch")
        .run(
            authenticator,
            c -> query(c, "select public.append_chat_messages_batch(?::jsonb)::text", appendsJson));
  }

  /** {@code delete_chat_session(sessionId)}. */
  public JsonNode delete(DatabaseRequest request, String sessionId) throws SQLException {
    return call(
        request,
        "delete_chat_session",
        "select to_jsonb(public.delete_chat_session(?))::text",
        sessionId);
  }

  JsonNode call(DatabaseRequest request, String function, String sql, Object... parameters)
      throws SQLException {
    return db.request(request.to("POST", "/rpc/" + function), c -> query(c, sql, parameters));
  }

  private static JsonNode query(Connection c, String sql, Object... parameters)
      throws SQLException {
    try (PreparedStatement statement = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        String text = rs.getString(1);
        return text == null ? null : JSON.readTree(text);
      }
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
