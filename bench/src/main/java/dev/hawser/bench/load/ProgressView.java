package dev.hawser.bench.load;

/** What a run shows while it goes: nothing, or a progress bar on stderr. */
interface ProgressView extends AutoCloseable {
    ProgressView NONE = new ProgressView() {
        @Override
        public void update(long completed, long elapsedNanos) {
        }

        @Override
        public void close() {
        }
    };

    void update(long completed, long elapsedNanos);

    @Override
    void close();
}
