package dev.hawser.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompareMedianTest {
    @Test
    void oddCountTakesTheMiddleValueWhateverTheOrder() {
        assertEquals(3.0, CompareCommand.median(List.of(9.0, 3.0, 1.0)));
        assertEquals(7.5, CompareCommand.median(List.of(7.5)));
    }

    @Test
    void evenCountTakesTheMeanOfTheMiddleTwo() {
        assertEquals(4.0, CompareCommand.median(List.of(10.0, 5.0, 1.0, 3.0)));
    }
}
