package dev.codebasechat.langchain4j;

import dev.codebasechat.memory.CallerContext;
import dev.codebasechat.session.Caller;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A streaming model whose handlers run with the caller bound that was bound when the model was
 * called. LangChain4j's streaming AI services add the answer to the memory in the handler, on the
 * model client's own thread, where nothing is bound; a model called on the request's thread hands
 * its handler on, so the caller goes with the request itself (never with the conversation id, and
 * never to another request). Every method of the model and of its handlers is forwarded as it is
 * (dynamic proxies: the methods LangChain4j adds to either interface are forwarded too).
 */
final class CallerCarrier implements InvocationHandler {
  private final StreamingChatModel model;

  private CallerCarrier(StreamingChatModel model) {
    this.model = model;
  }

  static StreamingChatModel around(StreamingChatModel model) {
    return (StreamingChatModel)
        Proxy.newProxyInstance(
            CallerCarrier.class.getClassLoader(),
            new Class<?>[] {StreamingChatModel.class},
            new CallerCarrier(model));
  }

  @Override
  public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args)
      throws Throwable {
    Optional<Caller> caller = CallerContext.current();
    @Nullable Object[] forwarded = args == null ? null : args.clone();
    if (forwarded != null && caller.isPresent()) {
      for (int i = 0; i < forwarded.length; i++) {
        if (forwarded[i] instanceof StreamingChatResponseHandler handler) {
          forwarded[i] = boundHandler(handler, caller.get());
        }
      }
    }
    return forward(model, method, forwarded);
  }

  private static StreamingChatResponseHandler boundHandler(
      StreamingChatResponseHandler handler, Caller caller) {
    return (StreamingChatResponseHandler)
        Proxy.newProxyInstance(
            CallerCarrier.class.getClassLoader(),
            new Class<?>[] {StreamingChatResponseHandler.class},
            (proxy, method, args) -> {
              try (CallerContext.Binding bound = CallerContext.bind(caller)) {
                return forward(handler, method, args);
              }
            });
  }

  private static @Nullable Object forward(
      Object target, Method method, @Nullable Object @Nullable [] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
