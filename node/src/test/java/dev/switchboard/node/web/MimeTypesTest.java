package dev.switchboard.node.web;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MimeTypesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "index.html|text/html; charset=utf-8",
            "js/app.js|text/javascript; charset=utf-8",
            "x.MJS|text/javascript; charset=utf-8",
            "a.css|text/css; charset=utf-8",
            "a.json|application/json",
            "a.svg|image/svg+xml",
            "a.png|image/png",
            "favicon.ico|image/x-icon",
            "app.webmanifest|application/manifest+json",
            "notes.txt|text/plain; charset=utf-8",
            "LICENSE|application/octet-stream",
            "dir.d/LICENSE|application/octet-stream",
            ".hidden|application/octet-stream",
            "a.exe|application/octet-stream",
    })
    void forFileName_extension_givesType(final String name, final String type) {
        assertEquals(type, MimeTypes.forFileName(name));
    }
}
