package dev.codebasechat.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.Count;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.postgrest.PostgrestHttpException;
import dev.codebasechat.postgrest.PostgrestResult;
import dev.codebasechat.postgrest.Returning;
import dev.codebasechat.postgrest.SelectRequest;
import dev.codebasechat.postgrest.SortOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@link ChatTable} over a PostgREST Data API with each owner's token, sending the requests the
 * store's {@code SessionRemote} sends (same columns, filters, order and preferences). Used for
 * {@code SupabaseTestServer} (the real SQL) and {@code FakeSupabase}.
 */
final class PostgrestChatTable implements ChatTable, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TABLE = "codebase_chat_sessions";
  static final String SESSION_COLUMNS =
      "session_id,user_id,repo,current_file,conversation_history,context_cache,metadata,message_count,version,last_activity";
  static final String SUMMARY_COLUMNS =
      "session_id,repo,current_file,message_count,last_activity,created_at";

  private final PostgrestClient client;
  private final Function<UUID, String> tokens;
  private final Supplier<UUID> users;
  private final Runnable tick;

  PostgrestChatTable(
      String restUrl,
      String apiKey,
      Function<UUID, String> tokens,
      Supplier<UUID> users,
      Runnable tick) {
    this.client = PostgrestClient.builder().restUrl(restUrl).apiKey(ApiKey.of(apiKey)).build();
    this.tokens = tokens;
    this.users = users;
    this.tick = tick;
  }

  @Override
  public UUID newUser() {
    return users.get();
  }

  @Override
  public void tick() {
    tick.run();
  }

  private AccessToken token(UUID owner) {
    return AccessToken.of(tokens.apply(owner));
  }

  @Override
  public Appended append(
      UUID owner,
      String sessionId,
      JsonNode messages,
      Optional<String> repo,
      Optional<String> currentFile) {
    ObjectNode args = JSON.createObjectNode();
    args.put("p_session_id", sessionId);
    args.set("p_messages", messages);
    repo.ifPresent(r -> args.put("p_repo", r));
    currentFile.ifPresent(f -> args.put("p_current_file", f));
    JsonNode body;
    try {
      body = client.as(token(owner)).rpc("append_chat_messages", args).execute().body();
    } catch (PostgrestHttpException e) {
      // The function's 42501 for an id the owner does not have.
      if (e.status() == 403 && e.code().orElse("").equals("42501")) {
        throw new Refused(Refusal.ID_TAKEN, e.postgrestMessage().orElse(e.getMessage()));
      }
      throw refusal(e);
    }
    return new Appended(
        body.path("appended").asInt(),
        body.path("message_count").asInt(),
        body.path("version").asLong(),
        body.path("created").asBoolean());
  }

  @Override
  public Optional<Appended> appendExisting(
      UUID owner, String sessionId, JsonNode messages, Optional<String> repo) {
    ObjectNode args = JSON.createObjectNode();
    args.put("p_session_id", sessionId);
    args.set("p_messages", messages);
    repo.ifPresent(r -> args.put("p_repo", r));
    args.put("p_create", false);
    JsonNode body =
        call(() -> client.as(token(owner)).rpc("append_chat_messages", args).execute()).body();
    return body.isNull()
        ? Optional.empty()
        : Optional.of(
            new Appended(
                body.path("appended").asInt(),
                body.path("message_count").asInt(),
                body.path("version").asLong(),
                body.path("created").asBoolean()));
  }

  @Override
  public Map<String, BatchAnswer> appendBatch(UUID owner, List<BatchAppend> appends) {
    ObjectNode args = JSON.createObjectNode();
    ArrayNode items = args.putArray("p_appends");
    for (BatchAppend append : appends) {
      ObjectNode item = items.addObject().put("session_id", append.sessionId());
      item.set("messages", append.messages());
      append.repo().ifPresent(r -> item.put("repo", r));
      if (!append.createsMissing()) {
        item.put("create", false);
      }
    }
    JsonNode body =
        call(() -> client.as(token(owner)).rpc("append_chat_messages_batch", args).execute())
            .body();
    Map<String, BatchAnswer> answers = new LinkedHashMap<>();
    for (JsonNode answer : body) {
      JsonNode refused = answer.path("refused");
      if (answer.path("missing").asBoolean(false)) {
        answers.put(answer.path("session_id").asText(), BatchAnswer.MISSING);
        continue;
      }
      answers.put(
          answer.path("session_id").asText(),
          refused.isObject()
              ? new BatchAnswer(
                  Optional.empty(),
                  Optional.of(
                      switch (refused.path("code").asText()) {
                        case "42501" -> Refusal.ID_TAKEN;
                        case "23514" -> Refusal.CONSTRAINT;
                        default -> Refusal.INVALID_ARGUMENT;
                      }))
              : new BatchAnswer(
                  Optional.of(
                      new Appended(
                          answer.path("appended").asInt(),
                          answer.path("message_count").asInt(),
                          answer.path("version").asLong(),
                          answer.path("created").asBoolean())),
                  Optional.empty()));
    }
    return answers;
  }

  @Override
  public Optional<JsonNode> fetch(UUID owner, String sessionId) {
    return callValue(
        () ->
            client
                .as(token(owner))
                .from(TABLE)
                .select(SESSION_COLUMNS)
                .eq("session_id", sessionId)
                .eq("user_id", owner)
                .maybeSingle());
  }

  @Override
  public Optional<Versioned> updateContext(UUID owner, String sessionId, JsonNode patch) {
    JsonNode rows =
        call(() ->
                client
                    .as(token(owner))
                    .from(TABLE)
                    .update(patch)
                    .eq("session_id", sessionId)
                    .eq("user_id", owner)
                    .returning(Returning.REPRESENTATION)
                    .select("version,message_count")
                    .execute())
            .body();
    if (rows.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new Versioned(
            rows.get(0).path("version").asLong(), rows.get(0).path("message_count").asInt()));
  }

  @Override
  public Optional<Versioned> clear(UUID owner, String sessionId) {
    ObjectNode args = JSON.createObjectNode().put("p_session_id", sessionId);
    JsonNode body =
        call(() -> client.as(token(owner)).rpc("clear_chat_history", args).execute()).body();
    if (!body.isObject()) {
      return Optional.empty();
    }
    return Optional.of(
        new Versioned(body.path("version").asLong(), body.path("message_count").asInt()));
  }

  /**
   * {@code clear_chat_history(p_session_id, p_clear_id)}: a clear named by {@code clearId}
   * (migration 20261208000000), as a gateway sends each try of one clear.
   */
  public Optional<Versioned> clear(UUID owner, String sessionId, UUID clearId) {
    ObjectNode args =
        JSON.createObjectNode()
            .put("p_session_id", sessionId)
            .put("p_clear_id", clearId.toString());
    JsonNode body =
        call(() -> client.as(token(owner)).rpc("clear_chat_history", args).execute()).body();
    if (!body.isObject()) {
      return Optional.empty();
    }
    return Optional.of(
        new Versioned(body.path("version").asLong(), body.path("message_count").asInt()));
  }

  /**
   * {@code delete_chat_session(p_session_id, p_delete_id)}: a delete named by {@code deleteId}
   * (migration 20261208000100), as a gateway sends each try of one delete.
   */
  public boolean delete(UUID owner, String sessionId, UUID deleteId) {
    ObjectNode args =
        JSON.createObjectNode()
            .put("p_session_id", sessionId)
            .put("p_delete_id", deleteId.toString());
    return call(() -> client.as(token(owner)).rpc("delete_chat_session", args).execute())
        .body()
        .asBoolean();
  }

  @Override
  public boolean delete(UUID owner, String sessionId) {
    ObjectNode args = JSON.createObjectNode().put("p_session_id", sessionId);
    return call(() -> client.as(token(owner)).rpc("delete_chat_session", args).execute())
        .body()
        .asBoolean();
  }

  @Override
  public Listing list(UUID owner, int limit, int offset, Optional<String> repo) {
    SelectRequest select =
        client.as(token(owner)).from(TABLE).select(SUMMARY_COLUMNS).eq("user_id", owner);
    if (repo.isPresent()) {
      select = select.eq("repo", repo.get());
    }
    SelectRequest page =
        select
            .order("last_activity", SortOrder.DESCENDING)
            .order("session_id", SortOrder.ASCENDING)
            .limit(limit)
            .offset(offset)
            .count(Count.EXACT);
    PostgrestResult result;
    try {
      result = page.execute();
    } catch (PostgrestHttpException e) {
      if (e.status() == 416) {
        return new Listing(List.of(), e.totalCount().orElseThrow());
      }
      throw refusal(e);
    }
    List<JsonNode> rows = new ArrayList<>();
    result.body().forEach(rows::add);
    return new Listing(rows, result.totalCount().orElseThrow());
  }

  private static PostgrestResult call(Supplier<PostgrestResult> request) {
    try {
      return request.get();
    } catch (PostgrestHttpException e) {
      throw refusal(e);
    }
  }

  private static <T> T callValue(Supplier<T> request) {
    try {
      return request.get();
    } catch (PostgrestHttpException e) {
      throw refusal(e);
    }
  }

  /** The database's refusals as kinds; anything else is not a refusal and stays as it is. */
  private static RuntimeException refusal(PostgrestHttpException e) {
    String code = e.code().orElse("");
    String message = e.postgrestMessage().orElse(e.getMessage());
    if (e.status() == 400
        && (code.equals("22023") || code.equals("22P02") || code.equals("PGRST204"))) {
      return new Refused(Refusal.INVALID_ARGUMENT, message);
    }
    if (e.status() == 400 && code.equals("23514")) {
      return new Refused(Refusal.CONSTRAINT, message);
    }
    if (e.status() == 403 && code.equals("42501")) {
      return new Refused(Refusal.FORBIDDEN, message);
    }
    return e;
  }

  @Override
  public void close() {
    client.close();
  }
}
