package dev.hawser.kvstore.raft;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.Map;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A write is acknowledged only after a quorum has it on disk: the Raft log's settings must not weaken that. */
class DurableLogSettingsTest {

    @Test
    void everyLogEntryIsFsyncedBeforeItCounts(@TempDir Path dir) {
        RaftProperties p = RaftNode.serverProperties(new RaftNode.Options(1, Map.of(1L, "127.0.0.1:2380"), Map.of(),
                "test", dir, "127.0.0.1", 2380, 10_000, 100, 1000, null));

        // Unsafe flush counts an entry as flushed before its fsync; async flush (3.3.0) counts entries written
        // while the fsync ran, and counts them even if it failed.
        assertFalse(RaftServerConfigKeys.Log.unsafeFlushEnabled(p), "unsafe flush");
        assertFalse(RaftServerConfigKeys.Log.asyncFlushEnabled(p), "async flush");
    }
}
