package dev.codebasechat.postgrest;

import java.util.List;
import java.util.Map;

/**
 * {@code POST /rpc/<function>} with the named arguments as a JSON object: runs in a read-write
 * transaction (unless the function is STABLE/IMMUTABLE) under the user's role, so RLS applies to
 * what a {@code SECURITY INVOKER} function touches. Answers 200 with the function's JSON result, or
 * 204 for {@code void}. Set-returning functions take filters like a table.
 */
public final class RpcRequest extends FilterRequest<RpcRequest> {

  RpcRequest(Transport transport, RequestAuth caller, String function, byte[] body) {
    super(transport, caller, Operation.RPC, function, "POST", body);
  }

  static RpcRequest of(Transport transport, RequestAuth caller, String function, Object args) {
    return new RpcRequest(
        transport,
        caller,
        Identifiers.name(function, "function"),
        Json.bytes(transport.mapper, args, "args"));
  }

  @Override
  RpcRequest self() {
    return this;
  }

  @Override
  void addQueryParameters(List<Map.Entry<String, String>> params) {
    addFilters(params);
  }
}
