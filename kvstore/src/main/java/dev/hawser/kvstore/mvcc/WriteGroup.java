package dev.hawser.kvstore.mvcc;

/**
 * Write transactions that share one batch: the requests of one Raft entry. Each transaction from {@link #next()}
 * behaves as if it ran alone after the ones before it: its own main revision when it changes something, ranges
 * that see the earlier ones' writes. Nothing is committed or visible to readers until the group closes; then the
 * batch is written once, and each revision in turn is reported to the {@link CommitListener} and published, as a
 * lone transaction's would be. The group holds the store's write lock from {@link KV#writeGroup} until it ends,
 * and must end on the thread that started it.
 */
public interface WriteGroup extends AutoCloseable {
    /** Starts the next transaction; the previous one must be closed. Closing it does not commit anything. */
    TxnWrite next();

    /** The revision after the transactions closed so far, as a response header after them shows it. */
    long rev();

    /**
     * Ends the group without committing, after an unexpected failure part-way. The index already holds the
     * group's revisions, so the store refuses further writes; the node must restart and replay its Raft log.
     */
    void abandon();

    /** Commits the batch (always, even without changes), then notifies and publishes each revision in order. */
    @Override
    void close();
}
