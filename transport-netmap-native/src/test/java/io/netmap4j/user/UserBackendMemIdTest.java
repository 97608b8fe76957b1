package io.netmap4j.user;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Memory ids of the user backend: one per region file while some port of this JVM has it open
 * (so ports of one parent can swap buffers and others cannot), and forgotten with the last port,
 * so that a long-running process that opens and closes pipes does not collect ids, and a later
 * region file that happens to get the same inode is not taken for the old one.
 */
class UserBackendMemIdTest {
    private static NetmapPort open(String name) throws Exception {
        return UserBackend.INSTANCE.open(PortSpec.parse(name));
    }

    @Test
    void aRegionKeepsItsIdWhileInUseAndIsForgottenWithItsLastPort() throws Exception {
        String a = "netmap:mi" + ProcessHandle.current().pid() + "a";
        String b = "netmap:mi" + ProcessHandle.current().pid() + "b";
        int before = UserBackend.INSTANCE.memIdsInUse();
        NetmapPort master = open(a + "{1");
        NetmapPort slave = open(a + "}1");
        NetmapPort other = open(a + "{2");
        NetmapPort elsewhere = open(b + "{1");
        try {
            assertEquals(before + 2, UserBackend.INSTANCE.memIdsInUse(), "two region files in use");
            assertEquals(master.memId(), slave.memId());
            assertEquals(master.memId(), other.memId(), "every pipe of one parent shares its region");
            assertNotEquals(master.memId(), elsewhere.memId(), "another parent is another region");
            master.close();
            slave.close();
            assertEquals(before + 2, UserBackend.INSTANCE.memIdsInUse(), "pipe 2 still uses the first region");
            other.close();
            assertEquals(before + 1, UserBackend.INSTANCE.memIdsInUse(), "the first region's id was forgotten");
        } finally {
            master.close();
            slave.close();
            other.close();
            elsewhere.close();
        }
        assertEquals(before, UserBackend.INSTANCE.memIdsInUse());
    }
}
