package dev.switchboard.node.signaling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jetbrains.annotations.NotNull;

/**
 * A message's JSON object exactly as it was parsed, kept so that a rewrite changes one field and
 * delivers every other one (unknown fields included, in their order) unchanged. Immutable: the
 * tree is private and never handed out; thread-safe.
 */
public final class ReceivedJson {

    private final ObjectNode tree;
    private final ObjectMapper mapper;

    /** @param tree a parsed object that nobody else holds or changes any more. */
    ReceivedJson(final @NotNull ObjectNode tree, final @NotNull ObjectMapper mapper) {
        this.tree = tree;
        this.mapper = mapper;
    }

    /**
     * @param field a field name.
     * @param value its new string value.
     * @return the UTF-8 JSON bytes of the object with {@code field} set to {@code value} (in its
     *     place if present, else appended).
     */
    public byte @NotNull [] withString(final @NotNull String field, final @NotNull String value) {
        final ObjectNode copy = tree.deepCopy();
        copy.put(field, value);
        try {
            return mapper.writeValueAsBytes(copy);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a parsed JSON tree", e);
        }
    }

    /**
     * @param field a field name.
     * @return whether the object has that field (with any value, {@code null} included).
     */
    public boolean has(final @NotNull String field) {
        return tree.has(field);
    }

    @Override
    public String toString() {
        return tree.toString();
    }
}
