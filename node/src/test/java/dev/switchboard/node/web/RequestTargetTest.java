package dev.switchboard.node.web;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class RequestTargetTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/|/|/|''",
            "/index.html|/index.html|/index.html|''",
            "/js/app.js?v=1&x|/js/app.js|/js/app.js|v=1&x",
            "/a%20b.txt|/a b.txt|/a%20b.txt|''",
            "/caf%C3%A9/|/café/|/caf%C3%A9/|''",
            "/sub/#frag|/sub/|/sub/|''",
            "http://example/x?q|/x|/x|q",
            "https://example|/|/|''",
            "/..foo/x..|/..foo/x..|/..foo/x..|''",
            "/%252e%252e/|/%2e%2e/|/%252e%252e/|''",
    })
    void parse_validTarget_decodesPath(final String target, final String path, final String rawPath,
                                       final String query) {
        final RequestTarget.Result result = RequestTarget.parse(target);
        assertEquals(new RequestTarget.Valid(path, rawPath, query), result);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "*", "index.html", "/../etc/passwd", "/a/../../b", "/..", "/.", "/./index.html",
            "/%2e%2e/secret", "/%2E%2E/secret", "/.%2e/x", "/%2e/x", "/a/%2e%2e", "/..%2fetc", "/a%2fb",
            "/a\\..\\b", "/a%5c..%5cb", "/a%00.html", "/a\u0000b", "/a b", "/a\tb", "/a//b", "//etc/passwd",
            "/%", "/%4", "/%zz", "/%c3%28", "/caf\u00e9", "/%7f", "/%0a",
    })
    void parse_traversalOrMalformed_isInvalid(final String target) {
        assertInstanceOf(RequestTarget.Invalid.class, RequestTarget.parse(target), target);
    }
}
