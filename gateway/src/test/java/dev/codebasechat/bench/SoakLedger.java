package dev.codebasechat.bench;

import dev.codebasechat.bench.SoakUsers.Conversation;
import dev.codebasechat.testing.SupabaseTestServer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * What the soak's users were told was stored, checked against the database. A finished session is
 * checked once every message acknowledged in it is there (a pass finding some missing leaves it for
 * the next: they may still wait in a journal), then deleted through the gateway, so that the data
 * stays the size of the conversations going on; the sessions left are checked at the end, when a
 * missing message is a loss. A session passes when the database holds each acknowledged message
 * exactly once, in acknowledgement order. Thread-safe.
 */
final class SoakLedger {
  private final SupabaseTestServer supabase;
  private final Set<Conversation> active = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<Conversation> unchecked = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Conversation> toDelete = new ConcurrentLinkedQueue<>();
  private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
  private long sessions;
  private long messages;
  private long missing;
  private long duplicated;
  private long outOfOrderSessions;
  private long unacknowledgedStored;
  private long deleted;

  SoakLedger(SupabaseTestServer supabase) {
    this.supabase = supabase;
  }

  /** The totals so far. */
  record Totals(
      long sessions,
      long messages,
      long missing,
      long duplicated,
      long outOfOrderSessions,
      long unacknowledgedStored,
      long deleted,
      List<String> problems) {
    boolean exactlyOnceInOrder() {
      return missing == 0 && duplicated == 0 && outOfOrderSessions == 0;
    }
  }

  void started(Conversation conversation) {
    active.add(conversation);
  }

  void finished(Conversation conversation) {
    active.remove(conversation);
    unchecked.add(conversation);
  }

  /**
   * Checks the finished sessions whose acknowledged messages are all in the database and deletes
   * those that pass with {@code delete} (a failed delete is tried again at the next pass).
   */
  void checkFinished(Predicate<Conversation> delete) {
    for (int i = toDelete.size(); i > 0; i--) {
      deleteOrKeep(toDelete.poll(), delete);
    }
    for (int i = unchecked.size(); i > 0; i--) {
      Conversation conversation = unchecked.poll();
      if (!check(conversation, false)) {
        unchecked.add(conversation);
      } else {
        deleteOrKeep(conversation, delete);
      }
    }
  }

  /** Checks every session not checked yet; a message missing now is lost. */
  void checkTheRest() {
    List<Conversation> rest = new ArrayList<>(active);
    rest.addAll(unchecked);
    active.clear();
    unchecked.clear();
    rest.forEach(conversation -> check(conversation, true));
  }

  synchronized Totals totals() {
    return new Totals(
        sessions,
        messages,
        missing,
        duplicated,
        outOfOrderSessions,
        unacknowledgedStored,
        deleted,
        List.copyOf(problems));
  }

  private void deleteOrKeep(Conversation conversation, Predicate<Conversation> delete) {
    if (delete.test(conversation)) {
      synchronized (this) {
        deleted++;
      }
    } else {
      toDelete.add(conversation);
    }
  }

  /**
   * Compares the database with the acknowledgements; false (and nothing counted) when a message is
   * missing and this is not the final check.
   */
  private boolean check(Conversation conversation, boolean last) {
    List<String> acknowledged = List.copyOf(conversation.acknowledged);
    List<String> stored =
        supabase.queryAsOwner(
            "select m ->> 'id' from public.codebase_chat_sessions s,"
                + " jsonb_array_elements(s.conversation_history) with ordinality as h(m, n)"
                + " where s.session_id = ? order by h.n",
            conversation.id);
    Set<String> distinct = new LinkedHashSet<>(stored);
    Set<String> expected = new HashSet<>(acknowledged);
    long absent = acknowledged.stream().filter(id -> !distinct.contains(id)).count();
    if (absent > 0 && !last) {
      return false;
    }
    List<String> storedAcknowledged = distinct.stream().filter(expected::contains).toList();
    boolean inOrder = absent > 0 || storedAcknowledged.equals(acknowledged);
    synchronized (this) {
      sessions++;
      messages += acknowledged.size();
      missing += absent;
      duplicated += stored.size() - distinct.size();
      unacknowledgedStored += distinct.stream().filter(id -> !expected.contains(id)).count();
      if (!inOrder) {
        outOfOrderSessions++;
      }
      if ((absent > 0 || !inOrder || stored.size() != distinct.size()) && problems.size() < 20) {
        problems.add(
            "session " + conversation.id + ": acknowledged " + acknowledged + ", stored " + stored);
      }
    }
    return true;
  }
}
