package dev.codebasechat.springai.bench;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Counts the round trips a JDBC store makes: every statement execution (a batch counts once, as the
 * driver sends it at once) and every commit or rollback.
 */
final class CountingDataSource {
  private static final Set<String> EXECUTIONS =
      Set.of("execute", "executeQuery", "executeUpdate", "executeBatch", "executeLargeUpdate");

  final AtomicInteger roundTrips = new AtomicInteger();
  final AtomicInteger writes = new AtomicInteger();

  DataSource wrap(DataSource target) {
    return proxy(
        DataSource.class,
        target,
        (proxy, method, args) -> {
          Object result = invoke(target, method, args);
          return result instanceof Connection connection ? connection(connection) : result;
        });
  }

  private Connection connection(Connection target) {
    return proxy(
        Connection.class,
        target,
        (proxy, method, args) -> {
          if (method.getName().equals("commit") || method.getName().equals("rollback")) {
            roundTrips.incrementAndGet();
          }
          Object result = invoke(target, method, args);
          if (result instanceof Statement statement) {
            String sql = args != null && args.length > 0 && args[0] instanceof String s ? s : "";
            return statement(statement, sql);
          }
          return result;
        });
  }

  private Statement statement(Statement target, String preparedSql) {
    Class<? extends Statement> type =
        target instanceof java.sql.PreparedStatement
            ? java.sql.PreparedStatement.class
            : Statement.class;
    return proxy(
        type,
        target,
        (proxy, method, args) -> {
          if (EXECUTIONS.contains(method.getName())) {
            roundTrips.incrementAndGet();
            String sql =
                args != null && args.length > 0 && args[0] instanceof String s ? s : preparedSql;
            if (!sql.trim().toLowerCase(java.util.Locale.ROOT).startsWith("select")) {
              writes.incrementAndGet();
            }
          }
          return invoke(target, method, args);
        });
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<? extends T> type, T target, InvocationHandler handler) {
    return (T)
        Proxy.newProxyInstance(
            CountingDataSource.class.getClassLoader(), new Class<?>[] {type}, handler);
  }
}
