package dev.switchboard.node.signaling;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jetbrains.annotations.NotNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

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
        // Written field by field, the one field replaced on the way: the same bytes as putting the
        // value into a copy of the tree and serializing the copy (ObjectNode#put keeps the field's
        // place, or appends it), without copying the tree or going through an ObjectWriter.
        final ByteArrayBuilder out = new ByteArrayBuilder(mapper.getFactory()._getBufferRecycler(),
                value.length() + 256);
        final SerializerProvider provider = mapper.getSerializerProviderInstance();
        try (JsonGenerator g = mapper.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            boolean replaced = false;
            for (final Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
                final Map.Entry<String, JsonNode> e = it.next();
                if (!replaced && e.getKey().equals(field)) {
                    g.writeStringField(field, value);
                    replaced = true;
                } else {
                    g.writeFieldName(e.getKey());
                    ((JsonSerializable) e.getValue()).serialize(g, provider);
                }
            }
            if (!replaced) {
                g.writeStringField(field, value);
            }
            g.writeEndObject();
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot serialize a parsed JSON tree", e);
        }
        final byte[] bytes = out.toByteArray();
        out.release();
        return bytes;
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
