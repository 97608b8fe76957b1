package io.netmap4j.handler.pcap;

import io.netmap4j.handler.testing.Decoders;
import io.netmap4j.handler.testing.SampleFrames;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our pcap files against tcpdump's and tshark's: timestamps, precision, snaplen, and files we refuse. */
class PcapFileTest {
    private static final long T0 = 1_700_000_123_456_789_012L;

    private static List<PcapRecord> read(Path p) throws IOException {
        List<PcapRecord> out = new ArrayList<>();
        try (PcapReader r = PcapReader.open(p)) {
            for (PcapRecord rec; (rec = r.next()) != null; ) {
                out.add(rec);
            }
        }
        return out;
    }

    @Test
    void tcpdumpReadsOurTimestampsAndRewritesThemInNanoseconds(@TempDir Path dir) throws Exception {
        byte[] frame = SampleFrames.all().get(0);
        Path ours = dir.resolve("nanos.pcap");
        try (PcapWriter w = PcapWriter.create(ours, 65535, TimestampPrecision.NANOS)) {
            w.write(Unpooled.wrappedBuffer(frame), T0);
            w.write(Unpooled.wrappedBuffer(frame), T0 + 1);
        }
        Decoders.Result r = Decoders.tcpdump("-n", "-tt", "--time-stamp-precision=nano", "-r", ours.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("1700000123.456789012 ") && r.out().contains("1700000123.456789013 "), r.out());
        // tcpdump writes its own nanosecond file from ours; we read the same instants back.
        Path theirs = dir.resolve("tcpdump-nanos.pcap");
        Decoders.Result w = Decoders.tcpdump("--time-stamp-precision=nano", "-r", ours.toString(), "-w", theirs.toString());
        assertEquals(0, w.exitCode(), w.err());
        List<PcapRecord> back = read(theirs);
        assertEquals(List.of(T0, T0 + 1), back.stream().map(PcapRecord::epochNanos).toList());
        assertArrayEquals(frame, back.get(0).data());
        // Microseconds: tcpdump's default file format.
        Path micros = dir.resolve("micros.pcap");
        try (PcapWriter mw = PcapWriter.create(micros)) {
            mw.write(Unpooled.wrappedBuffer(frame), T0);
        }
        assertEquals(T0 / 1000 * 1000, read(micros).get(0).epochNanos());
        Decoders.Result m = Decoders.tcpdump("-n", "-tt", "-r", micros.toString());
        assertTrue(m.out().contains("1700000123.456789 "), m.out());
    }

    @Test
    void aSnaplenCutsFramesButKeepsTheirLength(@TempDir Path dir) throws Exception {
        byte[] frame = SampleFrames.all().get(3); // 154 bytes
        Path p = dir.resolve("snap.pcap");
        try (PcapWriter w = PcapWriter.create(p, 64, TimestampPrecision.MICROS)) {
            w.write(Unpooled.wrappedBuffer(frame), T0);
        }
        PcapRecord rec = read(p).get(0);
        assertEquals(frame.length, rec.originalLength());
        assertArrayEquals(Arrays.copyOf(frame, 64), rec.data());
        assertTrue(rec.truncated());
        Decoders.Result r = Decoders.tcpdump("-n", "-r", p.toString());
        assertEquals(0, r.exitCode(), r.err());
    }

    @Test
    void pcapngCutFilesAndOtherLinkTypesAreRefusedClearly(@TempDir Path dir) throws Exception {
        Path good = SampleFrames.write(dir.resolve("good.pcap"), SampleFrames.all());
        Path ng = dir.resolve("file.pcapng");
        Decoders.requireProgram("tshark", "tshark");
        assertEquals(0, Decoders.run(List.of("tshark", "-r", good.toString(), "-F", "pcapng", "-w", ng.toString())).exitCode());
        IOException e = assertThrows(IOException.class, () -> PcapReader.open(ng));
        assertTrue(e.getMessage().contains("pcapng") && e.getMessage().contains("editcap -F pcap"), e.getMessage());

        byte[] all = Files.readAllBytes(good);
        Path cut = Files.write(dir.resolve("cut.pcap"), Arrays.copyOf(all, all.length - 5));
        EOFException eof = assertThrows(EOFException.class, () -> read(cut));
        assertTrue(eof.getMessage().contains("ends inside record " + SampleFrames.all().size()), eof.getMessage());

        byte[] linux = all.clone();
        linux[20] = (byte) 113; // LINKTYPE_LINUX_SLL, what tcpdump -i any writes
        Path sll = Files.write(dir.resolve("sll.pcap"), linux);
        IOException l = assertThrows(IOException.class, () -> PcapReader.open(sll));
        assertTrue(l.getMessage().contains("link type 113"), l.getMessage());
    }
}
