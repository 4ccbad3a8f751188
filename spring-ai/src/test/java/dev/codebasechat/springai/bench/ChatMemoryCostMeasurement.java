package dev.codebasechat.springai.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codebasechat.langchain4j.SessionChatMemoryStore;
import dev.codebasechat.memory.CallerContext;
import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.springai.SessionChatMemoryRepository;
import dev.codebasechat.testing.RecordedRequest;
import dev.codebasechat.testing.SupabaseTestServer;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import dev.langchain4j.store.memory.chat.InMemoryChatMemoryStore;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntSupplier;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.memory.InMemoryChatMemoryRepository;
import org.springframework.ai.chat.memory.repository.jdbc.JdbcChatMemoryRepository;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * What a chat memory costs the database under the frameworks' own call patterns. A conversation of
 * {@code turns} turns (a 200-character question, a 600-character answer) through LangChain4j's
 * {@code AiServices} and through Spring AI's {@code ChatClient} with {@code
 * MessageChatMemoryAdvisor}, both with a window of 20 messages; each contender side by side in one
 * run on one embedded PostgreSQL 17 with the project's migrations:
 *
 * <ul>
 *   <li>the session adapters, through the PostgREST-compatible server (requests and bytes as that
 *       server counted them, both directions, the final flush included);
 *   <li>Spring AI's {@code JdbcChatMemoryRepository} on the same PostgreSQL, through a TCP proxy
 *       that counts the wire protocol's bytes both ways (round trips: statements and commits);
 *   <li>the frameworks' in-memory stores, the floor (no database at all).
 * </ul>
 *
 * Then the same with a model that takes 700 ms to answer, longer than the 500 ms write window, as
 * real models do. Usage: {@code scripts/bench-memory [turns] [slow turns]}; with {@code
 * BENCH_TRACE=1} it prints every request the PostgREST-compatible server received.
 */
public final class ChatMemoryCostMeasurement {
  private static final int WINDOW = 20;
  private static final String QUESTION = "Where is the session token checked, and by whom? ";
  private static final String ANSWER = "The gateway verifies the JWT before each request. ";

  private ChatMemoryCostMeasurement() {}

  record Run(
      String scenario,
      String contender,
      int turns,
      int requests,
      int writes,
      long bytesToDatabase,
      long bytesFromDatabase,
      long historyKept,
      double medianTurnMillis) {}

  interface Lc4jAssistant {
    String chat(@MemoryId String conversation, @dev.langchain4j.service.UserMessage String text);
  }

  public static void main(String[] args) throws Exception {
    int turns = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    int slowTurns = args.length > 1 ? Integer.parseInt(args[1]) : 6;
    List<Run> runs = new ArrayList<>();
    try (SupabaseTestServer server = SupabaseTestServer.create().start()) {
      String ownerUrl;
      try (Connection owner = server.database().ownerConnection()) {
        ownerUrl = owner.getMetaData().getURL();
        try (InputStream schema =
                JdbcChatMemoryRepository.class.getResourceAsStream("schema-postgresql.sql");
            Statement statement = owner.createStatement()) {
          statement.execute(new String(schema.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
      URI parsed = URI.create(ownerUrl.substring("jdbc:".length()));
      try (CountingProxy proxy = new CountingProxy(parsed.getPort());
          HikariDataSource pool =
              pool(ownerUrl.replace(":" + parsed.getPort() + "/", ":" + proxy.port() + "/"))) {
        for (Duration delay : List.of(Duration.ZERO, Duration.ofMillis(700))) {
          int n = delay.isZero() ? turns : slowTurns;
          String scenario = delay.isZero() ? "instant model" : "model answering in 700 ms";
          runs.add(
              onSessions(
                  server,
                  scenario,
                  "LangChain4j: SessionChatMemoryStore (PostgREST)",
                  n,
                  store -> lc4jChat(SessionChatMemoryStore.over(store, Clock.systemUTC()), delay)));
          if (delay.isZero()) {
            runs.add(
                inMemory(
                    scenario,
                    "LangChain4j: InMemoryChatMemoryStore (floor)",
                    n,
                    lc4jChat(new InMemoryChatMemoryStore(), Duration.ZERO)));
          }
          runs.add(
              onSessions(
                  server,
                  scenario,
                  "Spring AI: SessionChatMemoryRepository (PostgREST)",
                  n,
                  store ->
                      springChat(
                          SessionChatMemoryRepository.over(store, Clock.systemUTC()), delay)));
          runs.add(springOnJdbc(proxy, pool, scenario, n, delay));
          if (delay.isZero()) {
            runs.add(
                inMemory(
                    scenario,
                    "Spring AI: InMemoryChatMemoryRepository (floor)",
                    n,
                    springChat(new InMemoryChatMemoryRepository(), Duration.ZERO)));
          }
        }
      }
    }
    print(runs);
  }

  private static HikariDataSource pool(String url) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername("postgres");
    config.setMaximumPoolSize(2);
    return new HikariDataSource(config);
  }

  // ------------------------------------------------------------------ LangChain4j

  private static final class Lc4jModel implements ChatModel {
    private final Duration delay;

    Lc4jModel(Duration delay) {
      this.delay = delay;
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
      pause(delay);
      return ChatResponse.builder().aiMessage(AiMessage.from(ANSWER.repeat(12))).build();
    }
  }

  private static Lc4jAssistant lc4j(ChatMemoryStore store, Duration delay) {
    return AiServices.builder(Lc4jAssistant.class)
        .chatModel(new Lc4jModel(delay))
        .chatMemoryProvider(
            id ->
                MessageWindowChatMemory.builder()
                    .id(id)
                    .maxMessages(WINDOW)
                    .chatMemoryStore(store)
                    .build())
        .build();
  }

  // ------------------------------------------------------------------ Spring AI

  private static final class SpringModel implements org.springframework.ai.chat.model.ChatModel {
    private final Duration delay;

    SpringModel(Duration delay) {
      this.delay = delay;
    }

    @Override
    public org.springframework.ai.chat.model.ChatResponse call(Prompt prompt) {
      pause(delay);
      return new org.springframework.ai.chat.model.ChatResponse(
          List.of(new Generation(new AssistantMessage(ANSWER.repeat(12)))));
    }
  }

  private static ChatClient spring(ChatMemoryRepository repository, Duration delay) {
    ChatMemory memory =
        org.springframework.ai.chat.memory.MessageWindowChatMemory.builder()
            .chatMemoryRepository(repository)
            .maxMessages(WINDOW)
            .build();
    return ChatClient.builder(new SpringModel(delay))
        .defaultAdvisors(MessageChatMemoryAdvisor.builder(memory).build())
        .build();
  }

  private static Consumer<String> turnOf(ChatClient client) {
    return question ->
        client
            .prompt()
            .user(question)
            .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "bench"))
            .call()
            .content();
  }

  private static Run springOnJdbc(
      CountingProxy proxy, HikariDataSource pool, String scenario, int turns, Duration delay)
      throws Exception {
    CountingDataSource counting = new CountingDataSource();
    JdbcChatMemoryRepository repository =
        JdbcChatMemoryRepository.builder().dataSource(counting.wrap(pool)).build();
    repository.deleteByConversationId("bench");
    ChatClient client = spring(repository, delay);
    counting.roundTrips.set(0);
    counting.writes.set(0);
    proxy.reset();
    List<Double> millis = converse(turns, turnOf(client));
    long up = proxy.toDatabase.get();
    long down = proxy.fromDatabase.get();
    int requests = counting.roundTrips.get();
    int writes = counting.writes.get();
    long kept;
    try (Connection connection = pool.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "select count(*) from spring_ai_chat_memory where conversation_id = 'bench'")) {
      rows.next();
      kept = rows.getLong(1);
    }
    return new Run(
        scenario,
        "Spring AI: JdbcChatMemoryRepository (JDBC)",
        turns,
        requests,
        writes,
        up,
        down,
        kept,
        median(millis));
  }

  // ------------------------------------------------------------------ shared

  /** A chat through one framework's memory: one turn, and how many messages the memory keeps. */
  record Chat(Consumer<String> turn, IntSupplier kept) {}

  private static Chat lc4jChat(ChatMemoryStore store, Duration delay) {
    Lc4jAssistant assistant = lc4j(store, delay);
    IntSupplier kept =
        store instanceof SessionChatMemoryStore sessions
            ? () -> sessions.history("bench").size()
            : () -> store.getMessages("bench").size();
    return new Chat(question -> assistant.chat("bench", question), kept);
  }

  private static Chat springChat(ChatMemoryRepository repository, Duration delay) {
    IntSupplier kept =
        repository instanceof SessionChatMemoryRepository sessions
            ? () -> sessions.history("bench").size()
            : () -> repository.findByConversationId("bench").size();
    return new Chat(turnOf(spring(repository, delay)), kept);
  }

  /**
   * {@code chat} over a session store of its own, as one user; the database's traffic is taken
   * after the final flush and before the history is read for "messages kept".
   */
  private static Run onSessions(
      SupabaseTestServer server,
      String scenario,
      String contender,
      int turns,
      Function<SessionStore, Chat> over)
      throws Exception {
    try (Sessions sessions = new Sessions(server);
        var bound = CallerContext.bind(sessions.caller)) {
      Chat chat = over.apply(sessions.store);
      List<Double> millis = converse(turns, chat.turn());
      sessions.store.flush(Duration.ofSeconds(30));
      List<RecordedRequest> traffic = sessions.traffic();
      return Sessions.run(scenario, contender, turns, traffic, chat.kept().getAsInt(), millis);
    }
  }

  private static Run inMemory(String scenario, String contender, int turns, Chat chat) {
    List<Double> millis = converse(turns, chat.turn());
    return new Run(scenario, contender, turns, 0, 0, 0, 0, chat.kept().getAsInt(), median(millis));
  }

  /** A session store of one instance and one user, with the server's counters from its start. */
  private static final class Sessions implements AutoCloseable {
    final SupabaseTestServer server;
    final PostgrestClient client;
    final SessionStore store;
    final Caller caller;

    Sessions(SupabaseTestServer server) {
      this.server = server;
      UUID user = UUID.randomUUID();
      this.caller = new Caller(user, AccessToken.of(server.tokenFor(user)));
      this.client =
          PostgrestClient.builder()
              .projectUrl(server.baseUrl())
              .apiKey(ApiKey.of(server.apiKey()))
              .build();
      this.store = SessionStore.builder(client).build();
      server.clearRequests();
    }

    /** What the server received since this store was opened (printed with BENCH_TRACE=1). */
    List<RecordedRequest> traffic() {
      List<RecordedRequest> requests = server.requests();
      if (System.getenv("BENCH_TRACE") != null) {
        requests.forEach(
            r ->
                System.out.println(
                    r.method()
                        + " "
                        + r.path()
                        + "?"
                        + r.query()
                        + " "
                        + r.status()
                        + " "
                        + r.bytesSent()));
      }
      return requests;
    }

    static Run run(
        String scenario,
        String contender,
        int turns,
        List<RecordedRequest> requests,
        long kept,
        List<Double> millis) {
      int writes = (int) requests.stream().filter(r -> !r.method().equals("GET")).count();
      long up = requests.stream().mapToLong(RecordedRequest::bytesReceived).sum();
      long down = requests.stream().mapToLong(RecordedRequest::bytesSent).sum();
      return new Run(
          scenario, contender, turns, requests.size(), writes, up, down, kept, median(millis));
    }

    @Override
    public void close() {
      store.close();
      client.close();
    }
  }

  private static List<Double> converse(int turns, Consumer<String> turn) {
    List<Double> millis = new ArrayList<>();
    for (int i = 0; i < turns; i++) {
      String question = (QUESTION + i + ". ").repeat(4);
      long start = System.nanoTime();
      turn.accept(question);
      millis.add((System.nanoTime() - start) / 1e6);
    }
    return millis;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
  }

  private static void pause(Duration delay) {
    if (delay.isZero()) {
      return;
    }
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void print(List<Run> runs) {
    System.out.println(
        "| scenario | contender | turns | requests / turn | writes / turn | bytes to db / turn |"
            + " bytes from db / turn | messages kept | median turn |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for (Run run : runs) {
      System.out.println(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d | %.2f | %.2f | %,.0f | %,.0f | %d | %.2f ms |",
              run.scenario(),
              run.contender(),
              run.turns(),
              (double) run.requests() / run.turns(),
              (double) run.writes() / run.turns(),
              (double) run.bytesToDatabase() / run.turns(),
              (double) run.bytesFromDatabase() / run.turns(),
              run.historyKept(),
              run.medianTurnMillis()));
    }
  }
}
