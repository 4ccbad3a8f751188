package dev.codebasechat.springai;

import dev.codebasechat.memory.CallerContext;
import dev.codebasechat.session.Caller;
import io.micrometer.context.ThreadLocalAccessor;
import org.jspecify.annotations.Nullable;

/**
 * {@link CallerContext}'s binding as a Micrometer context-propagation value, registered through
 * {@code META-INF/services}: Reactor (with automatic context propagation, Spring Boot's {@code
 * spring.reactor.context-propagation=auto}) and Spring's context snapshots carry the bound caller
 * to the threads a streaming call continues on. The value is only ever held in memory.
 */
public final class CallerContextAccessor implements ThreadLocalAccessor<Caller> {

  /** The key under which the caller travels in a Reactor context. */
  public static final String KEY = "dev.codebasechat.caller";

  @Override
  public Object key() {
    return KEY;
  }

  @Override
  public @Nullable Caller getValue() {
    return CallerContext.current().orElse(null);
  }

  @Override
  public void setValue(Caller value) {
    CallerContext.restore(value);
  }

  @Override
  public void setValue() {
    CallerContext.restore(null);
  }
}
