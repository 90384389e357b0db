package dev.hawser.kvstore.raft;

import dev.hawser.kvstore.mvcc.KvStore;
import dev.hawser.kvstore.storage.Backend;
import dev.hawser.kvstore.storage.MetaKeys;
import org.apache.ratis.server.protocol.TermIndex;

import java.io.IOException;
import java.nio.file.Path;

/** A member's live database: RocksDB and the MVCC store on it, opened and closed together. */
final class LiveStore implements AutoCloseable {
    private final Backend backend;
    private final KvStore kv;

    private LiveStore(Backend backend, KvStore kv) {
        this.backend = backend;
        this.kv = kv;
    }

    static LiveStore open(Path dir) throws IOException {
        Backend backend = Backend.open(dir);
        try {
            return new LiveStore(backend, KvStore.open(backend));
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    Backend backend() {
        return backend;
    }

    KvStore kv() {
        return kv;
    }

    /** The last Raft entry whose effects are in this database (written in the same batch as the effects). */
    TermIndex applied() {
        long index = MetaKeys.CONSISTENT_INDEX.readLong(backend);
        long term = MetaKeys.CONSISTENT_TERM.readLong(backend);
        return TermIndex.valueOf(term, index);
    }

    @Override
    public void close() {
        kv.close();
        backend.close();
    }
}
