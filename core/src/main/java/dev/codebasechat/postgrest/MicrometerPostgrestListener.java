package dev.codebasechat.postgrest;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;

/**
 * Records every request in the Micrometer timer {@value #METER_NAME}, tagged {@code operation}
 * ({@code select}, {@code insert}, …), {@code table} (table or function name; these come from code,
 * so the tag's cardinality is bounded), {@code outcome} ({@code success}, {@code cancelled} or the
 * lower-case {@link FailureKind}) and {@code status} (HTTP status, or {@code none} for transport
 * failures).
 */
public final class MicrometerPostgrestListener implements PostgrestListener {
  /** The timer's name. */
  public static final String METER_NAME = "postgrest.requests";

  private final MeterRegistry registry;

  public MicrometerPostgrestListener(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void onSuccess(Operation operation, String resource, int status, Duration latency) {
    timer(operation, resource, "success", Integer.toString(status)).record(latency);
  }

  @Override
  public void onFailure(
      Operation operation, String resource, PostgrestException failure, Duration latency) {
    String status =
        failure instanceof PostgrestHttpException http ? Integer.toString(http.status()) : "none";
    String outcome =
        failure instanceof PostgrestTransportException transport && transport.isCancelled()
            ? "cancelled"
            : failure.kind().name().toLowerCase(Locale.ROOT);
    timer(operation, resource, outcome, status).record(latency);
  }

  private Timer timer(Operation operation, String resource, String outcome, String status) {
    return Timer.builder(METER_NAME)
        .description("PostgREST requests by operation, table and outcome")
        .tag("operation", operation.tagValue())
        .tag("table", resource)
        .tag("outcome", outcome)
        .tag("status", status)
        .register(registry);
  }
}
