/**
 * Chat memory for model frameworks over the session store: the framework-neutral half of the
 * LangChain4j and Spring AI adapters. A framework hands its memory store the conversation's
 * <em>window</em>; {@link dev.codebasechat.memory.ConversationMemory} keeps the whole history
 * append-only in the caller's session and the window as a view of it. The caller is whoever {@link
 * dev.codebasechat.memory.CallerContext} binds for the request; {@link
 * dev.codebasechat.memory.ConversationIds} maps a conversation id to a session of that caller. The
 * machinery is in {@code dev.codebasechat.memory.internal}. Nothing here is {@code null} unless
 * annotated {@code @Nullable}.
 */
@NullMarked
package dev.codebasechat.memory;

import org.jspecify.annotations.NullMarked;
