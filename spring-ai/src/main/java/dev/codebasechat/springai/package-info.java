/**
 * Spring AI chat memory kept in the caller's sessions: {@link
 * dev.codebasechat.springai.SessionChatMemoryRepository}, a {@code ChatMemoryRepository}, and its
 * Spring Boot auto-configuration. Nothing here is {@code null} unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.codebasechat.springai;

import org.jspecify.annotations.NullMarked;
