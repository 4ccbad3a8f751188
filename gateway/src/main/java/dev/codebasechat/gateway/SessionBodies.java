package dev.codebasechat.gateway;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.codebasechat.session.ChatSession;
import dev.codebasechat.session.SessionId;
import dev.codebasechat.session.SessionRead;

/**
 * The serialised answers of session reads, remembered per {@link ChatSession} instance. The store's
 * cache hands out the same immutable instance until the session changes (a write, a refresh, an
 * eviction makes a new one), so a body written once for an instance stays right for as long as
 * anyone reads that instance; keys are weak and compared by identity, so a body goes when its
 * instance is no longer cached. Only confirmed reads (nothing pending) are remembered: a read with
 * pending writes is a fresh overlay each time and would never be hit. The bodies' total size is
 * bounded; the per-request headers are never part of a body. Thread-safe.
 */
final class SessionBodies {
  private final Cache<ChatSession, byte[]> sessions;
  private final Cache<ChatSession, byte[]> compatHistories;

  SessionBodies(long maxBytes) {
    // Two shapes, half the bound each.
    this.sessions = cache(maxBytes / 2);
    this.compatHistories = cache(maxBytes / 2);
  }

  private static Cache<ChatSession, byte[]> cache(long maxBytes) {
    return CacheBuilder.newBuilder()
        .weakKeys()
        .maximumWeight(maxBytes)
        .weigher((ChatSession session, byte[] body) -> body.length)
        .build();
  }

  /** {@code GET /v1/sessions/{id}}: the whole session. */
  byte[] session(SessionRead read) {
    ChatSession session = read.session();
    if (read.pendingWrites() > 0) {
      return SessionJson.session(session, session.messages());
    }
    byte[] body = sessions.getIfPresent(session);
    if (body == null) {
      body = SessionJson.session(session, session.messages());
      sessions.put(session, body);
    }
    return body;
  }

  /** {@code GET /api/codebase/chat?sessionId=}: the original's history shape. */
  byte[] compatHistory(SessionId id, SessionRead read) {
    ChatSession session = read.session();
    if (read.pendingWrites() > 0) {
      return SessionJson.compatHistory(id, session);
    }
    byte[] body = compatHistories.getIfPresent(session);
    if (body == null) {
      body = SessionJson.compatHistory(id, session);
      compatHistories.put(session, body);
    }
    return body;
  }
}
