package dev.codebasechat.postgrest;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Requests on behalf of one end user: every request sends the project key as {@code apikey} and the
 * user's token as {@code Authorization: Bearer …}, so PostgREST runs it as that user and RLS
 * applies. Immutable, thread-safe and cheap: make one per incoming request.
 */
public final class UserScope {
  private final Transport transport;
  private final RequestAuth caller;

  UserScope(Transport transport, RequestAuth caller) {
    this.transport = transport;
    this.caller = caller;
  }

  /**
   * The verbs on {@code table}.
   *
   * @throws IllegalArgumentException unless {@code table} is a plain identifier ({@code
   *     [A-Za-z_][A-Za-z0-9_]*}, at most 63 characters)
   */
  public TableQuery from(String table) {
    return TableQuery.of(transport, caller, table);
  }

  /**
   * Calls {@code function} with named arguments: {@code POST /rpc/<function>}, body {@code args}
   * serialized as a JSON object (a JsonNode, record, POJO or map).
   *
   * @throws IllegalArgumentException unless {@code function} is a plain identifier, or if {@code
   *     args} cannot be serialized
   */
  public RpcRequest rpc(String function, Object args) {
    return RpcRequest.of(transport, caller, function, args);
  }

  /** Calls a function that takes no arguments (body {@code {}}). */
  public RpcRequest rpc(String function) {
    return rpc(function, JsonNodeFactory.instance.objectNode());
  }

  @Override
  public String toString() {
    return "UserScope[" + caller + "]";
  }
}
