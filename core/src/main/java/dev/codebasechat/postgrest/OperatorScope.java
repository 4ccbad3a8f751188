package dev.codebasechat.postgrest;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Requests with the project's secret key ({@link PostgrestClient#operator(ServiceKey)}): {@code
 * apikey} and {@code Authorization: Bearer} both carry the service key, so PostgREST runs them as
 * {@code service_role} and Row Level Security does not apply. For operator tasks only (migrations
 * checks, inspecting set-aside writes); never use it to serve an end user's request, which must go
 * through {@link UserScope}. Immutable, thread-safe and cheap.
 */
public final class OperatorScope {
  private final Transport transport;
  private final RequestAuth caller;

  OperatorScope(Transport transport, RequestAuth caller) {
    this.transport = transport;
    this.caller = caller;
  }

  /** The verbs on {@code table}; same rules as {@link UserScope#from(String)}. */
  public TableQuery from(String table) {
    return TableQuery.of(transport, caller, table);
  }

  /** Calls {@code function}; same rules as {@link UserScope#rpc(String, Object)}. */
  public RpcRequest rpc(String function, Object args) {
    return RpcRequest.of(transport, caller, function, args);
  }

  /** Calls a function that takes no arguments (body {@code {}}). */
  public RpcRequest rpc(String function) {
    return rpc(function, JsonNodeFactory.instance.objectNode());
  }

  @Override
  public String toString() {
    return "OperatorScope[" + caller + "]";
  }
}
