package io.netmap4j.microbench.support;

import io.netty.channel.EventLoopGroup;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Pins an event loop's thread to one CPU (sched_setaffinity on the loop thread itself), so that
 * a benchmark's sender and receiver loops do not share a core by chance: on a 2-core machine the
 * scheduler sometimes puts both on one, which halves their rate or worse and turns a run into a
 * mix of two speeds. Each row of a comparison then runs with the same placement.
 */
public final class CpuAffinity {
    private static final MethodHandle SCHED_SETAFFINITY = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("sched_setaffinity").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));

    private CpuAffinity() { }

    /**
     * Pins the (single) thread of {@code group} to {@code cpu} if the machine has that CPU;
     * otherwise leaves it free. Waits until done.
     */
    public static void pin(EventLoopGroup group, int cpu) throws Exception {
        if (cpu >= Runtime.getRuntime().availableProcessors()) {
            return;
        }
        group.next().submit(() -> pinCurrentThread(cpu)).sync();
    }

    private static void pinCurrentThread(int cpu) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(128); // a cpu_set_t of 1024 CPUs
            mask.set(JAVA_LONG, 8L * (cpu / 64), 1L << (cpu % 64));
            int r = (int) SCHED_SETAFFINITY.invokeExact(0, mask.byteSize(), mask);
            if (r != 0) {
                throw new IllegalStateException("sched_setaffinity(CPU " + cpu + ") failed");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
