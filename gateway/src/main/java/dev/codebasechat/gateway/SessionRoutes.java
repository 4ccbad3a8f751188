package dev.codebasechat.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.auth.AuthorizationHeader;
import dev.codebasechat.auth.InvalidTokenException;
import dev.codebasechat.auth.SupabaseJwtVerifier;
import dev.codebasechat.auth.VerifiedUser;
import dev.codebasechat.gateway.StoreFailures.Attempt;
import dev.codebasechat.session.Acknowledgement;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.AppendReceipt;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.ContextUpdate;
import dev.codebasechat.session.PendingSession;
import dev.codebasechat.session.ReadSource;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionPage;
import dev.codebasechat.session.SessionQuery;
import dev.codebasechat.session.SessionRead;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.session.SessionUnavailableException;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session routes, run on a worker thread once the body is read: authenticate, validate, call
 * the store, answer. Every failure becomes an {@link ApiError} ({@link StoreFailures}); a request
 * that is refused is refused before anything is recorded. One short method per route (seven, and
 * the three of the original API) over one authentication and one validation of the body.
 *
 * <p><b>Why this class is long.</b> The ten routes share that authentication, that validation and
 * that translation of the store's failures; split by route, each part would repeat them.
 */
final class SessionRoutes {
  private static final Logger log = LoggerFactory.getLogger(SessionRoutes.class);

  static final HttpString SOURCE_HEADER = new HttpString("X-Session-Source");
  static final HttpString PENDING_HEADER = new HttpString("X-Pending-Writes");

  static final int DEFAULT_LIMIT = 20;

  static final Duration LEGACY_SECRET_HINT_INTERVAL = Duration.ofMinutes(5);

  static final int MAX_OFFSET = 1_000_000;
  private static final Set<String> APPEND_LIST_FIELDS = Set.of("messages", "repo", "currentFile");
  private static final Set<String> APPEND_ONE_FIELDS =
      Set.of("id", "role", "content", "timestamp", "code", "repo", "currentFile");

  private final SessionStore store;
  private final SupabaseJwtVerifier verifier;
  private final Clock clock;
  private final SessionBodies bodies;
  private final StorageFailureLog storageFailures;
  private final Acknowledgement acknowledgement;

  /** Supabase mode without SUPABASE_JWT_SECRET: tokens signed with it (HS256) cannot verify. */
  private final boolean withoutLegacySecret;

  private final AtomicLong lastLegacySecretHint = new AtomicLong(Long.MIN_VALUE / 2);

  SessionRoutes(
      SessionStore store,
      Acknowledgement acknowledgement,
      boolean withoutLegacySecret,
      SupabaseJwtVerifier verifier,
      Clock clock,
      long maxRememberedBodyBytes) {
    this.store = store;
    this.acknowledgement = acknowledgement;
    this.withoutLegacySecret = withoutLegacySecret;
    this.verifier = verifier;
    this.clock = clock;
    this.bodies = new SessionBodies(maxRememberedBodyBytes);
    this.storageFailures = new StorageFailureLog(clock);
  }

  void handle(HttpServerExchange exchange, Routes.Match match, byte[] body) {
    Caller caller = authenticate(exchange);
    String method = Routes.servedAs(exchange.getRequestMethod().toString());
    switch (match.route()) {
      case COMPAT_CHAT:
        switch (method) {
          case "GET" -> compatGet(exchange, caller);
          case "POST" -> compatPost(exchange, caller, body);
          default -> compatDelete(exchange, caller, body);
        }
        return;
      case SESSIONS:
        if (method.equals("GET")) {
          list(exchange, caller);
        } else {
          create(exchange, caller, body);
        }
        return;
      case SESSION:
        SessionId id = pathId(match);
        switch (method) {
          case "GET" -> get(exchange, caller, id);
          case "PATCH" -> patch(exchange, caller, id, body);
          default -> delete(exchange, caller, id);
        }
        return;
      case SESSION_MESSAGES:
        SessionId sessionId = pathId(match);
        if (method.equals("POST")) {
          append(exchange, caller, sessionId, body);
        } else {
          clear(exchange, caller, sessionId);
        }
        return;
      default:
        throw new IllegalStateException("not a session route: " + match.route());
    }
  }

  /**
   * On an I/O thread: answers {@code GET /v1/sessions/{id}} (without a query) when nothing in it
   * can wait — the token is one the verifier remembers, the store holds the session — with the same
   * answer the worker path gives. Returns false, having answered nothing, in every other case
   * (including every refusal), and the worker path then handles the request in full.
   */
  boolean answerHeldRead(HttpServerExchange exchange, Routes.Match match) {
    if (match.route() != Routes.SESSION || !exchange.getQueryString().isEmpty()) {
      return false;
    }
    HeaderValues values = exchange.getRequestHeaders().get(Headers.AUTHORIZATION);
    if (values == null || values.size() != 1) {
      return false;
    }
    try {
      Optional<VerifiedUser> user =
          verifier.remembered(AuthorizationHeader.bearerToken(values.getFirst()));
      if (user.isEmpty()) {
        return false;
      }
      Caller caller = new Caller(user.get().userId(), user.get().token());
      Optional<SessionRead> read =
          store.historyIfCached(caller, SessionId.of(match.id().orElseThrow()));
      if (read.isEmpty()) {
        return false;
      }
      readHeaders(exchange, read.get());
      Responses.json(exchange, 200, bodies.session(read.get()));
      return true;
    } catch (RuntimeException e) {
      // A malformed header or id, a session deleted meanwhile: the worker path gives the answer.
      return false;
    }
  }

  // ------------------------------------------------------------------ auth

  private Caller authenticate(HttpServerExchange exchange) {
    HeaderValues values = exchange.getRequestHeaders().get(Headers.AUTHORIZATION);
    if (values != null && values.size() > 1) {
      throw ApiError.unauthorized(
          "invalid_token",
          "send exactly one Authorization header",
          "Bearer error=\"invalid_request\", error_description=\"more than one Authorization header\"");
    }
    try {
      VerifiedUser user =
          verifier.verify(
              AuthorizationHeader.bearerToken(values == null ? null : values.getFirst()));
      return new Caller(user.userId(), user.token());
    } catch (InvalidTokenException e) {
      switch (e.reason()) {
        case MISSING:
          throw ApiError.unauthorized(
              "missing_token",
              "an Authorization: Bearer <access token> header is required",
              e.wwwAuthenticate());
        case KEYS_UNAVAILABLE:
          throw ApiError.unavailable(
              "auth_unavailable",
              "the project's signing keys cannot be fetched right now; try again shortly",
              Duration.ofSeconds(5));
        case UNSUPPORTED_ALGORITHM:
          hintAtTheLegacySecret();
        // and refused as any other token
        default:
          throw ApiError.unauthorized(
              "invalid_token",
              "the access token was refused: " + e.getMessage(),
              e.wwwAuthenticate());
      }
    }
  }

  /**
   * Tells the operator, at most every {@link #LEGACY_SECRET_HINT_INTERVAL}, that tokens of an
   * algorithm no configured key verifies arrive while SUPABASE_JWT_SECRET is not set: a project
   * that still signs user tokens with its legacy secret (HS256) gets 401 for every request
   * otherwise, which its clients take for a sign-in to redo.
   */
  private void hintAtTheLegacySecret() {
    long now = clock.millis();
    long last = lastLegacySecretHint.get();
    if (!withoutLegacySecret
        || now - last < LEGACY_SECRET_HINT_INTERVAL.toMillis()
        || !lastLegacySecretHint.compareAndSet(last, now)) {
      return;
    }
    log.warn(
        "tokens are refused as signed with an algorithm no configured key verifies, and"
            + " SUPABASE_JWT_SECRET is not set: if the project still signs user tokens with its"
            + " legacy JWT secret (HS256), set SUPABASE_JWT_SECRET (said at most every {} minutes)",
        LEGACY_SECRET_HINT_INTERVAL.toMinutes());
  }

  // ------------------------------------------------------------------ compat routes

  private void compatGet(HttpServerExchange exchange, Caller caller) {
    SessionId id = SessionJson.sessionId(QueryParameters.required(exchange, "sessionId"));
    SessionRead read = call(Attempt.READ, () -> store.history(caller, id));
    readHeaders(exchange, read);
    Responses.json(exchange, 200, bodies.compatHistory(id, read));
  }

  private void compatPost(HttpServerExchange exchange, Caller caller, byte[] body) {
    ObjectNode json = Json.parseObject(body);
    SessionId id = SessionJson.requiredSessionId(json);
    JsonNode many = json.get("messages");
    List<ChatMessage> messages;
    if (many != null && !many.isNull()) {
      if (json.hasNonNull("message")) {
        throw ApiError.invalidField("send either message or messages, not both");
      }
      messages = SessionJson.messageList(many, false, clock);
    } else {
      JsonNode message = json.get("message");
      if (message == null || message.isNull()) {
        throw ApiError.missingField("message");
      }
      if (message.isTextual() && SessionJson.blank(message.textValue())) {
        throw ApiError.invalidField(
            "message must not be empty: send the text of the user's message");
      }
      if (!message.isTextual()) {
        throw ApiError.invalidField("message must be a string (or send messages: [...])");
      }
      SessionJson.checkText(message, "message");
      try {
        messages =
            List.of(ChatMessage.of(Role.USER, message.textValue()).withTimestamp(clock.instant()));
      } catch (IllegalArgumentException e) {
        throw ApiError.invalidField(e);
      }
    }
    Optional<String> repo = SessionJson.text(json, "repo", "the body");
    Optional<String> file = SessionJson.text(json, "currentFile", "the body");
    validateContext(repo, file);
    // Checked whole before the session is created: a refused request leaves no empty session.
    Append append = appendOf(messages, repo, file);
    // The original created a session on its first POST. Make sure the id is the caller's (or
    // free) before acknowledging: cached or known sessions answer at once, otherwise the database
    // creates the row now if it is absent (it sends back the size and version, never the history).
    // When it cannot be reached and writes are acknowledged once journaled, the write is journaled
    // below; should the id turn out to belong to someone else, the database refuses it at flush
    // time and it is set aside, never applied to that session. With database acknowledgement the
    // append would wait for the same database again, a second timeout: the answer is 503 now.
    try {
      store.create(caller, id);
    } catch (SessionUnavailableException e) {
      if (acknowledgement == Acknowledgement.DATABASE) {
        storageFailures.note(e);
        throw StoreFailures.answer(e, Attempt.CHANGE);
      }
    } catch (RuntimeException e) {
      storageFailures.note(e);
      throw StoreFailures.answer(e, Attempt.CHANGE);
    }
    AppendReceipt receipt = call(Attempt.CHANGE, () -> store.append(caller, id, append));
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("success", true);
    out.put("sessionId", id.value());
    out.put("count", receipt.messageCount());
    writeHeaders(exchange, receipt.pendingWrites());
    Responses.json(exchange, 200, out);
  }

  private void compatDelete(HttpServerExchange exchange, Caller caller, byte[] body) {
    SessionId id;
    Optional<String> query = QueryParameters.optional(exchange, "sessionId");
    if (body.length > 0) {
      id = SessionJson.requiredSessionId(Json.parseObject(body));
      // Both named: they must name one session, or which one to clear is a guess.
      if (query.isPresent() && !SessionJson.sessionId(query.get()).equals(id)) {
        throw ApiError.invalidField(
            "sessionId is given in the body and in the query with different values");
      }
    } else {
      id = SessionJson.sessionId(query.orElseThrow(() -> ApiError.missingField("sessionId")));
    }
    Optional<UUID> clearId = RequestChecks.idempotencyKey(exchange);
    SessionRead read = call(Attempt.CHANGE, () -> cleared(caller, id, clearId));
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("success", true);
    out.put("message", "conversation history cleared");
    readHeaders(exchange, read);
    Responses.json(exchange, 200, out);
  }

  // ------------------------------------------------------------------ REST routes

  private void list(HttpServerExchange exchange, Caller caller) {
    int limit =
        QueryParameters.wholeNumber(exchange, "limit", DEFAULT_LIMIT, 1, SessionQuery.MAX_LIMIT);
    int offset = QueryParameters.wholeNumber(exchange, "offset", 0, 0, MAX_OFFSET);
    Optional<String> repo = QueryParameters.repo(exchange);
    SessionQuery query =
        repo.map(SessionQuery.limit(limit).offset(offset)::repo)
            .orElseGet(() -> SessionQuery.limit(limit).offset(offset));
    SessionPage page = call(Attempt.LIST, () -> store.list(caller, query));
    exchange.getResponseHeaders().put(SOURCE_HEADER, sourceName(page.source()));
    exchange.getResponseHeaders().put(PENDING_HEADER, pendingOf(caller.userId()));
    Responses.json(exchange, 200, SessionJson.page(page, limit));
  }

  private void create(HttpServerExchange exchange, Caller caller, byte[] body) {
    ContextUpdate update =
        body.length == 0 ? ContextUpdate.none() : SessionJson.contextUpdate(Json.parseObject(body));
    SessionId id = call(Attempt.CHANGE, () -> store.create(caller));
    SessionRead read;
    try {
      read =
          call(
              Attempt.CHANGE,
              () ->
                  update.isEmpty()
                      ? store.history(caller, id)
                      : store.updateContext(caller, id, update));
    } catch (RuntimeException refused) {
      // The client never learns the id: a session left behind would be an empty one nobody asked
      // for, listed under a refusal that says nothing was saved.
      forget(caller, id);
      throw refused;
    }
    exchange.getResponseHeaders().put(Headers.LOCATION, "/v1/sessions/" + id.value());
    readHeaders(exchange, read);
    Responses.json(exchange, 201, SessionJson.session(read.session(), read.session().messages()));
  }

  /** Deletes the caller's session {@code id} if it can; a failure leaves it (and is logged). */
  private void forget(Caller caller, SessionId id) {
    try {
      store.delete(caller, id);
    } catch (RuntimeException alsoRefused) {
      log.warn(
          "an empty session {} was left after its creation failed: {}",
          id,
          alsoRefused.getMessage());
    }
  }

  private void get(HttpServerExchange exchange, Caller caller, SessionId id) {
    Optional<String> lastText = QueryParameters.optional(exchange, "last");
    int last = QueryParameters.wholeNumber(exchange, "last", 0, 0, Integer.MAX_VALUE);
    SessionRead read = call(Attempt.READ, () -> store.history(caller, id));
    ChatSession session = read.session();
    readHeaders(exchange, read);
    Responses.json(
        exchange,
        200,
        lastText.isPresent()
            ? SessionJson.session(session, session.lastMessages(last))
            : bodies.session(read));
  }

  private void append(HttpServerExchange exchange, Caller caller, SessionId id, byte[] body) {
    ObjectNode json = Json.parseObject(body);
    List<ChatMessage> messages;
    // null counts as absent for every optional field, the list form's too.
    if (json.hasNonNull("messages")) {
      rejectUnknown(json, APPEND_LIST_FIELDS);
      messages = SessionJson.messageList(json.get("messages"), true, clock);
    } else {
      ObjectNode one = json.deepCopy();
      one.remove("messages");
      rejectUnknown(one, APPEND_ONE_FIELDS);
      one.remove("repo");
      one.remove("currentFile");
      messages = List.of(SessionJson.message(one, "the message", true, clock));
    }
    Optional<String> repo = SessionJson.text(json, "repo", "the body");
    Optional<String> file = SessionJson.text(json, "currentFile", "the body");
    validateContext(repo, file);
    // This route appends only to a session the caller has: answered from what the store holds or
    // knows, else from one read of the session's head (never its history).
    Append append = appendOf(messages, repo, file);
    AppendReceipt receipt = call(Attempt.CHANGE, () -> store.appendExisting(caller, id, append));
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("sessionId", id.value());
    out.put("accepted", receipt.accepted());
    out.put("duplicates", receipt.duplicates());
    out.put("messageCount", receipt.messageCount());
    ArrayNode ids = out.putArray("messageIds");
    messages.forEach(m -> ids.add(m.id().value()));
    writeHeaders(exchange, receipt.pendingWrites());
    Responses.json(exchange, 200, out);
  }

  private void patch(HttpServerExchange exchange, Caller caller, SessionId id, byte[] body) {
    ContextUpdate update = SessionJson.contextUpdate(Json.parseObject(body));
    if (update.isEmpty()) {
      throw ApiError.badRequest(
          "empty_update", "give at least one of repo, currentFile, contextCache, metadata");
    }
    SessionRead read = call(Attempt.CHANGE, () -> store.updateContext(caller, id, update));
    readHeaders(exchange, read);
    Responses.json(exchange, 200, SessionJson.session(read.session(), read.session().messages()));
  }

  private void clear(HttpServerExchange exchange, Caller caller, SessionId id) {
    Optional<UUID> clearId = RequestChecks.idempotencyKey(exchange);
    SessionRead read = call(Attempt.CHANGE, () -> cleared(caller, id, clearId));
    readHeaders(exchange, read);
    Responses.json(exchange, 200, SessionJson.session(read.session(), read.session().messages()));
  }

  private void delete(HttpServerExchange exchange, Caller caller, SessionId id) {
    Optional<UUID> deleteId = RequestChecks.idempotencyKey(exchange);
    call(
        Attempt.CHANGE,
        () -> {
          if (deleteId.isPresent()) {
            store.delete(caller, id, deleteId.get());
          } else {
            store.delete(caller, id);
          }
          return null;
        });
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("id", id.value());
    out.put("deleted", true);
    writeHeaders(exchange, pendingCount(caller.userId(), id));
    Responses.json(exchange, 200, out);
  }

  // ------------------------------------------------------------------ helpers

  /** The clear a request asks for, named by its {@code Idempotency-Key} when it has one. */
  private SessionRead cleared(Caller caller, SessionId id, Optional<UUID> clearId) {
    return clearId.isPresent() ? store.clear(caller, id, clearId.get()) : store.clear(caller, id);
  }

  private static SessionId pathId(Routes.Match match) {
    return SessionJson.sessionId(match.id().orElseThrow());
  }

  /**
   * The append a request asks for: {@code messages}, moving the session to {@code repo} and {@code
   * file} when given; checked as the store checks it (how many messages, each one's stored size),
   * so that a refusal comes before anything is recorded or created.
   */
  private static Append appendOf(
      List<ChatMessage> messages, Optional<String> repo, Optional<String> file) {
    if (messages.size() > SessionStore.DEFAULT_MAX_MESSAGES_PER_APPEND) {
      throw ApiError.invalidField(
          "an append carries at most "
              + SessionStore.DEFAULT_MAX_MESSAGES_PER_APPEND
              + " messages but had "
              + messages.size());
    }
    Append append;
    try {
      append = Append.of(messages);
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidField(e);
    }
    if (repo.isPresent()) {
      append = append.withRepo(repo.get());
    }
    return file.isPresent() ? append.withCurrentFile(file.get()) : append;
  }

  private static void validateContext(Optional<String> repo, Optional<String> file) {
    try {
      new ContextUpdate(repo, file, Optional.empty(), Optional.empty());
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidField(e);
    }
  }

  private static void rejectUnknown(ObjectNode json, Set<String> known) {
    for (java.util.Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        throw ApiError.badRequest(
            "unknown_field",
            "the body has an unknown field "
                + SessionJson.quote(name)
                + "; known: "
                + String.join(", ", new java.util.TreeSet<>(known)));
      }
    }
  }

  private void readHeaders(HttpServerExchange exchange, SessionRead read) {
    exchange.getResponseHeaders().put(SOURCE_HEADER, sourceName(read.source()));
    exchange.getResponseHeaders().put(PENDING_HEADER, read.pendingWrites());
  }

  /** A write's answer: from the database when nothing is pending, otherwise from this process. */
  private static void writeHeaders(HttpServerExchange exchange, int pendingWrites) {
    exchange.getResponseHeaders().put(SOURCE_HEADER, pendingWrites == 0 ? "database" : "cache");
    exchange.getResponseHeaders().put(PENDING_HEADER, pendingWrites);
  }

  private int pendingOf(UUID owner) {
    return store.pendingSessions().stream()
        .filter(p -> p.owner().equals(owner))
        .mapToInt(PendingSession::pendingWrites)
        .sum();
  }

  private int pendingCount(UUID owner, SessionId id) {
    return store.pendingSessions().stream()
        .filter(p -> p.owner().equals(owner) && p.sessionId().equals(id))
        .mapToInt(PendingSession::pendingWrites)
        .sum();
  }

  static String sourceName(ReadSource source) {
    return source.name().toLowerCase(Locale.ROOT);
  }

  /** Runs a store call, turning what it throws into the answer the client gets. */
  private <T> T call(Attempt attempt, Supplier<T> operation) {
    try {
      return operation.get();
    } catch (RuntimeException e) {
      storageFailures.note(e);
      throw StoreFailures.answer(e, attempt);
    }
  }
}
