package dev.codebasechat.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebasechat.schema.SessionTableRules;
import dev.codebasechat.testing.internal.memory.MemoryBackend;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A {@link SupabaseUnderTest} whose data lives in memory: fast, no PostgreSQL anywhere on the
 * classpath. It serves the table {@code public.codebase_chat_sessions} with its computed field
 * {@code conversation_history} and the migrations' public functions ({@code append_chat_messages},
 * {@code append_chat_messages_batch}, {@code clear_chat_history}, {@code delete_chat_session},
 * {@code chat_session_changes}, {@code store_chat_session_for}, {@code append_chat_messages_for}),
 * with the table's limits and checks from the {@code schema} module and the grants and Row Level
 * Security of the migrations. A contract suite sends the same requests here and to real SQL ({@code
 * SupabaseTestServer}) and requires the same answers.
 *
 * <p>What it does not have answers 400 PGRST127 saying so, rather than something plausible: other
 * filter operators than {@code eq neq gt gte lt lte in is}, casts, upserts and multi-row inserts,
 * the computed field in filters and orders, and the table {@code codebase_chat_messages}. Each
 * request's effect is atomic (one lock guards the table, as the SQL's row lock would), so
 * concurrent appends never lose or duplicate a message.
 *
 * <p>{@code @RegisterExtension static FakeSupabase supabase = FakeSupabase.create();}
 */
public final class FakeSupabase extends SupabaseUnderTest {

  private final MemoryBackend memory;
  private final Clock clock;

  private FakeSupabase(Builder builder, MemoryBackend memory) {
    super(builder, memory);
    this.memory = memory;
    this.clock = builder.clock;
  }

  /** A fake on a free port, with the system clock, speaking PostgREST 14. */
  public static FakeSupabase create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a {@link FakeSupabase}; every setter rejects a bad value at once. */
  public static final class Builder extends SupabaseUnderTest.Builder<Builder, FakeSupabase> {
    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    public FakeSupabase build() {
      // The clock stamps the rows too.
      return new FakeSupabase(this, new MemoryBackend(clock));
    }
  }

  @Override
  public FakeSupabase start() {
    super.start();
    return this;
  }

  /** A snapshot of every row with its messages, in creation order, regardless of owner. */
  public List<FakeSession> sessions() {
    return memory.sessions();
  }

  public Optional<FakeSession> session(String sessionId) {
    return memory.session(sessionId);
  }

  /**
   * Stores a session as the table owner would (no RLS, no functions), replacing one with that id;
   * each message gets role {@code user}, content {@code "message <id>"} and the clock's time.
   */
  public void seedSession(UUID owner, String sessionId, String... messageIds) {
    seedSession(owner, sessionId, plainMessages(messageIds));
  }

  /**
   * Stores a session with exactly these messages (a JSON array), as the table owner would: at
   * version 0, its messages moved into rows as the migration moved a legacy history (kept in their
   * order, whatever their ids and timestamps; see {@code 20261203000000}).
   *
   * @throws IllegalArgumentException unless the id passes the table's CHECK and {@code messages} is
   *     an array
   */
  public void seedSession(UUID owner, String sessionId, JsonNode messages) {
    if (!SessionTableRules.SESSION_ID.matcher(sessionId).matches()) {
      throw new IllegalArgumentException(
          "session id must match "
              + SessionTableRules.SESSION_ID.pattern()
              + " (the table's CHECK) but was "
              + sessionId);
    }
    if (!(messages instanceof ArrayNode array)) {
      throw new IllegalArgumentException(
          "messages must be a JSON array but was " + messages.getNodeType());
    }
    memory.seed(owner, sessionId, array);
  }

  /**
   * Appends messages to {@code owner}'s session as {@code append_chat_messages} would (creating it,
   * bumping its version), without a request: another writer acting between two requests. The
   * function's checks apply: what it refuses is refused here.
   *
   * @throws IllegalStateException if another user owns the session
   * @throws IllegalArgumentException with the function's words for anything else it refuses (a
   *     malformed session or message id, a session full)
   */
  public void appendAs(UUID owner, String sessionId, String... messageIds) {
    memory.appendAs(owner, sessionId, plainMessages(messageIds));
  }

  /**
   * Runs {@code action} once, just before the next write is applied (after its request arrived and
   * was checked): a PATCH, POST or DELETE on the table, or a call of a function that writes. A
   * concurrent writer that gets in between a client's read and its write.
   */
  public void beforeNextTableWrite(Runnable action) {
    memory.beforeNextWrite(action);
  }

  private ArrayNode plainMessages(String... messageIds) {
    ArrayNode messages = JsonNodeFactory.instance.arrayNode();
    String now = clock.instant().toString();
    for (String id : messageIds) {
      ObjectNode message = messages.addObject();
      message.put("id", id).put("role", "user").put("content", "message " + id);
      message.put("timestamp", now);
    }
    return messages;
  }
}
