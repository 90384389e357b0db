package dev.hawser.kvstore.mvcc;

/** The requested revision is older than the compaction revision. */
public final class CompactedException extends MvccException {
    private static final long serialVersionUID = 1L;

    public CompactedException() {
        super("mvcc: required revision has been compacted");
    }
}
