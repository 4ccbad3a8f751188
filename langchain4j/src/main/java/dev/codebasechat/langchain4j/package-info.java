/**
 * LangChain4j chat memory kept in the caller's sessions: {@link
 * dev.codebasechat.langchain4j.SessionChatMemoryStore}, a {@code ChatMemoryStore} for {@code
 * MessageWindowChatMemory} and {@code AiServices}. Nothing here is {@code null} unless annotated
 * {@code @Nullable}.
 */
@NullMarked
package dev.codebasechat.langchain4j;

import org.jspecify.annotations.NullMarked;
