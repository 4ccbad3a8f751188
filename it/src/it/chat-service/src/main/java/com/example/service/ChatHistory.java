package com.example.service;

import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.Role;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionStore;
import dev.codebasechat.embedded.LocalSessionTable;
import java.nio.file.Path;
import okhttp3.OkHttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;

/** The chat history of a service: its users' JWTs in, the library's store underneath. */
public final class ChatHistory implements AutoCloseable {
  private final List<AutoCloseable> resources;
  private final SessionStore store;
  private final Clock clock;

  private ChatHistory(SessionStore store, Clock clock, List<AutoCloseable> resources) {
    this.store = store;
    this.clock = clock;
    this.resources = resources;
  }

  /** The embedded default: a SQLite file of this process. */
  public static ChatHistory embedded(Path file) {
    LocalSessionTable table = LocalSessionTable.builder().path(file).build();
    SessionStore store = SessionStore.embedded(table).build();
    return new ChatHistory(store, Clock.systemUTC(), List.of(store, table));
  }

  /** Supabase mode: each user's JWT on every request, Row Level Security deciding. */
  public static ChatHistory supabase(String projectUrl, String publishableKey) {
    PostgrestClient client = PostgrestClient.builder().projectUrl(projectUrl).apiKey(ApiKey.of(publishableKey)).build();
    SessionStore store = SessionStore.builder(client).build();
    return new ChatHistory(store, Clock.systemUTC(), List.of(store, client));
  }

  /** Supabase mode on the given HTTP client, time and scheduler (a test's manual ones). */
  public static ChatHistory supabase(
      String projectUrl,
      String publishableKey,
      OkHttpClient http,
      Clock clock,
      ScheduledExecutorService scheduler) {
    PostgrestClient client =
        PostgrestClient.builder()
            .projectUrl(projectUrl)
            .apiKey(ApiKey.of(publishableKey))
            .okHttpClient(http)
            .build();
    SessionStore store = SessionStore.builder(client).clock(clock).scheduler(scheduler).build();
    return new ChatHistory(store, clock, List.of(store, client));
  }

  public String start(UUID user, String jwt) {
    return store.create(caller(user, jwt)).value();
  }

  public void say(UUID user, String jwt, String sessionId, String text) {
    store.append(caller(user, jwt), SessionId.of(sessionId), Append.of(List.of(ChatMessage.of(Role.USER, text).withTimestamp(clock.instant()))));
  }

  public List<String> lastTexts(UUID user, String jwt, String sessionId, int n) {
    return store.lastMessages(caller(user, jwt), SessionId.of(sessionId), n).session().messages().stream()
        .map(ChatMessage::content)
        .toList();
  }

  public boolean flush(Duration timeout) {
    return store.flush(timeout).isComplete();
  }

  private static Caller caller(UUID user, String jwt) {
    return new Caller(user, AccessToken.of(jwt));
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }
}
