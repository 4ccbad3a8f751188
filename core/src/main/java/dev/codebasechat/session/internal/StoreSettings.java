package dev.codebasechat.session.internal;

import dev.codebasechat.journal.Journal;
import dev.codebasechat.postgrest.OperatorScope;
import dev.codebasechat.resilience.Resilience;
import dev.codebasechat.session.Acknowledgement;
import dev.codebasechat.writebehind.FlushConcurrency;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * What a store's builder decided, checked: the parts are assembled from it ({@link StoreParts}).
 *
 * @param embedded the embedded table is the store of record (no database, no write-behind)
 * @param scheduler the caller's scheduler, or {@code null}: the store owns one
 * @param journal where acknowledged writes are made durable first, or {@code null}: memory only
 * @param operatorScope the service key's scope for writes of owners without a token, or {@code
 *     null}
 */
public record StoreSettings(
    SessionBackend backend,
    boolean embedded,
    Clock clock,
    @Nullable ScheduledExecutorService scheduler,
    Resilience resilience,
    Duration debounce,
    Duration maxWait,
    FlushConcurrency flushConcurrency,
    long cacheMaximumWeightBytes,
    Duration cacheIdleExpiry,
    @Nullable Journal journal,
    Duration localCopyMaxAge,
    long localCopyMaxBytes,
    Duration databaseTimeout,
    Duration cacheFreshness,
    @Nullable OperatorScope operatorScope,
    Acknowledgement acknowledgement) {}
