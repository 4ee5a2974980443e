package dev.switchboard.node.access;

import dev.switchboard.node.config.NodeConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminPathsTest {

    private static final NodeConfig.Admin ANN = new NodeConfig.Admin("Ann", "Vq3-Xk9_pL2mZ7tR4wY8bN", List.of("Bob"), true);
    private static final NodeConfig.Admin CAT = new NodeConfig.Admin("Cat", "Hd6~sJ1qW5eU0oI3aP7cF2", List.of(), false);
    private final AdminPaths paths = new AdminPaths(List.of(ANN, CAT));

    @Test
    void match_findsEachAdmin_andNothingElse() {
        assertSame(ANN, paths.match("Vq3-Xk9_pL2mZ7tR4wY8bN"));
        assertSame(CAT, paths.match("Hd6~sJ1qW5eU0oI3aP7cF2"));
        assertNull(paths.match("Vq3-Xk9_pL2mZ7tR4wY8bn"), "one character off");
        assertNull(paths.match("Vq3-Xk9_pL2mZ7tR4wY8b"), "a prefix");
        assertNull(paths.match("Vq3-Xk9_pL2mZ7tR4wY8bNx"), "longer");
        assertNull(paths.match(""));
        assertNull(new AdminPaths(List.of()).match("Vq3-Xk9_pL2mZ7tR4wY8bN"));
    }

    /**
     * The comparison is over SHA-256 hashes with MessageDigest.isEqual and visits every admin:
     * a candidate sharing a long prefix with a secret costs what an unrelated one costs. Timing
     * cannot be asserted reliably on a shared machine; this checks the work is the same by
     * counting nothing but the result (the structure is what the Javadoc promises).
     */
    @Test
    void match_handlesHugeAndOddInput_withoutThrowing() {
        assertNull(paths.match("x".repeat(100_000)));
        assertNull(paths.match("\u0000/../\uFFFF"));
    }

    @Test
    void strengthBits_estimatesFromTheAlphabetUsed() {
        assertEquals(132, Math.round(AdminPaths.strengthBits("Vq3-Xk9_pL2mZ7tR4wY8bN")));
        assertTrue(AdminPaths.strengthBits("admin") < 30);
        assertTrue(AdminPaths.strengthBits("0123456789012345") < 64);
        assertTrue(AdminPaths.strengthBits("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") >= 128);
        assertEquals(0, AdminPaths.strengthBits(""));
    }

    @Test
    void validSegment_allowsOneSegmentOfTheUrlSafeAlphabet() {
        assertTrue(AdminPaths.validSegment("Vq3-Xk9_pL2mZ7tR4wY8bN"));
        for (final String bad : new String[] {"", "a/b", "a b", "ä", "a.b", "a%20", "x".repeat(257)}) {
            assertTrue(!AdminPaths.validSegment(bad), bad);
        }
    }

    @Test
    void foldName_ignoresCaseSpaceAndNormalisation() {
        assertEquals(AdminPaths.foldName(" Åsa "), AdminPaths.foldName("a\u030Asa"));
        assertEquals("bob", AdminPaths.foldName("BOB"));
    }
}
