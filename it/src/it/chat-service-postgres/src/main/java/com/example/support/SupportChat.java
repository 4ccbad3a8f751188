package com.example.support;

import dev.codebasechat.postgrest.AccessToken;
import dev.codebasechat.postgrest.ApiKey;
import dev.codebasechat.postgrest.PostgrestClient;
import dev.codebasechat.session.Append;
import dev.codebasechat.session.Caller;
import dev.codebasechat.session.ChatMessage;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionQuery;
import dev.codebasechat.session.SessionStore;
import java.time.Duration;
import java.util.UUID;

/** The support chat of a service: conversations kept in the project's Supabase. */
public final class SupportChat implements AutoCloseable {
  private final PostgrestClient client;
  private final SessionStore store;

  public SupportChat(String projectUrl, String publishableKey) {
    client =
        PostgrestClient.builder().projectUrl(projectUrl).apiKey(ApiKey.of(publishableKey)).build();
    store = SessionStore.builder(client).build();
  }

  public String open(UUID user, String jwt) {
    return store.create(caller(user, jwt)).value();
  }

  public void say(UUID user, String jwt, String conversation, String text) {
    store.append(caller(user, jwt), SessionId.of(conversation), Append.of(ChatMessage.user(text)));
  }

  public int conversations(UUID user, String jwt) {
    return store.list(caller(user, jwt), SessionQuery.limit(20)).sessions().size();
  }

  /** Waits until everything said has reached the database. */
  public boolean flush(Duration timeout) {
    return store.flush(timeout).isComplete();
  }

  private static Caller caller(UUID user, String jwt) {
    return new Caller(user, AccessToken.of(jwt));
  }

  @Override
  public void close() {
    store.close();
    client.close();
  }
}
