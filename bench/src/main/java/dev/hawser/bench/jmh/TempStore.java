package dev.hawser.bench.jmh;

import dev.hawser.kvstore.mvcc.KvStore;
import dev.hawser.kvstore.storage.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A {@link KvStore} on a fresh RocksDB in a temp directory, deleted on close. */
final class TempStore implements AutoCloseable {
    final Path dir;
    final Backend backend;
    final KvStore kv;

    TempStore() throws IOException {
        dir = Files.createTempDirectory("hawser-jmh-");
        backend = Backend.open(dir.resolve("db"));
        kv = KvStore.open(backend);
    }

    @Override
    public void close() throws IOException {
        kv.close();
        backend.close();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
