package dev.hawser.bench.load;

import java.nio.file.Path;

/** Where a run writes its JSON and its plot; either may be null (not written). */
public record OutputFiles(Path json, Path plot) {
}
