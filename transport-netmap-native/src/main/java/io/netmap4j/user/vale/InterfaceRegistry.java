package io.netmap4j.user.vale;

import io.netmap4j.abi.Errno;
import io.netmap4j.core.NetmapException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The persistent VALE interfaces of the user backend (vale-ctl -n) and where they are attached:
 * a small text file beside the switches, {@code netmap4j-vale.interfaces}, one interface a line
 * ({@code name txSlots rxSlots txRings rxRings switch index}, switch {@code -} when detached).
 * Unlike the switches, which live as long as processes hold their ports, these live until they
 * are deleted (or the machine restarts, the directory being a tmpfs).
 *
 * <p>Readers read the file without a lock: writers replace it whole (a new file renamed over the
 * old), so a reader sees one version or the other. Writers take a lock file first, so that two
 * changes never lose one another. A line that makes no sense (someone edited the file) is
 * ignored.
 */
final class InterfaceRegistry {
    static final String FILE = "netmap4j-vale.interfaces";
    private static final String LOCK = FILE + ".lock";
    /** FileLock is per JVM: threads of this JVM take turns here first. */
    private static final Object JVM_LOCK = new Object();

    /** One persistent interface; {@code attachedTo} is null when it is not attached. */
    record Entry(String name, int txSlots, int rxSlots, int txRings, int rxRings, String attachedTo, int index) {
        SwitchPorts.Geometry geometry() {
            return new SwitchPorts.Geometry(txRings, rxRings, txSlots, rxSlots);
        }

        Entry attached(String valeSwitch, int port) {
            return new Entry(name, txSlots, rxSlots, txRings, rxRings, valeSwitch, port);
        }

        String line() {
            return name + " " + txSlots + " " + rxSlots + " " + txRings + " " + rxRings + " "
                    + (attachedTo == null ? "-" : attachedTo) + " " + index;
        }
    }

    /** A change of the registry, which may refuse with an exception. */
    @FunctionalInterface
    interface Change<T> {
        T apply(Map<String, Entry> entries) throws NetmapException;
    }

    private InterfaceRegistry() { }

    /**
     * True if {@code file} is one this user made for itself: a regular file (not a link), owned
     * by this process's user, with no permission for anyone else. The directory is writable by
     * every user; a file someone else put there is ignored, never followed or believed.
     */
    static boolean ours(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        int uid = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return uid == (int) new com.sun.security.auth.module.UnixSystem().getUid() && (mode & 077) == 0;
    }

    /** The interfaces, by name, as the file says now (empty when there is none, or it is not ours). */
    static Map<String, Entry> read(String dir) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        List<String> lines;
        try {
            Path file = Path.of(dir, FILE);
            if (!ours(file)) {
                return entries;
            }
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return entries;
        } catch (IOException e) {
            return entries; // unreadable: as if there were none (the change that needs it says so)
        }
        for (String line : lines) {
            String[] f = line.trim().split(" ");
            try {
                if (f.length == 7 && !f[0].isEmpty()) {
                    entries.put(f[0], new Entry(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                            Integer.parseInt(f[3]), Integer.parseInt(f[4]), f[5].equals("-") ? null : f[5],
                            Integer.parseInt(f[6])));
                }
            } catch (NumberFormatException ignored) {
                // a damaged line: skipped
            }
        }
        return entries;
    }

    /** The interfaces attached to switch {@code valeSwitch}. */
    static List<Entry> attachedTo(String dir, String valeSwitch) {
        List<Entry> list = new ArrayList<>();
        for (Entry e : read(dir).values()) {
            if (valeSwitch.equals(e.attachedTo())) {
                list.add(e);
            }
        }
        return list;
    }

    /**
     * Applies {@code change} to the interfaces under the registry's lock and writes them back
     * (the map the change gets is the one written), whatever the change returns. Nothing is
     * written when it throws.
     */
    static <T> T update(String dir, String what, Change<T> change) throws NetmapException {
        synchronized (JVM_LOCK) {
            Path lockPath = Path.of(dir, LOCK);
            try (FileChannel lock = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
                 FileLock held = lock.lock()) {
                Files.setPosixFilePermissions(lockPath, PosixFilePermissions.fromString("rw-------"));
                Path file = Path.of(dir, FILE);
                if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !ours(file)) {
                    throw new NetmapException(what + ": refused " + file + ": it is not a file this user made for "
                            + "itself (a link, another user's, or readable by others). Remove it if you did not make "
                            + "it", Errno.EACCES, null);
                }
                Map<String, Entry> entries = read(dir);
                T result = change.apply(entries);
                if (entries.isEmpty()) {
                    Files.deleteIfExists(Path.of(dir, FILE)); // none left: no file (the lock file stays, empty)
                    return result;
                }
                Path tmp = Path.of(dir, FILE + "." + ProcessHandle.current().pid() + ".tmp");
                StringBuilder text = new StringBuilder();
                for (Entry e : entries.values()) {
                    text.append(e.line()).append('\n');
                }
                Files.deleteIfExists(tmp);
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(tmp, text, StandardCharsets.UTF_8, StandardOpenOption.WRITE);
                try {
                    Files.move(tmp, Path.of(dir, FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, Path.of(dir, FILE), StandardCopyOption.REPLACE_EXISTING);
                }
                return result;
            } catch (NetmapException e) {
                throw e; // the change refused
            } catch (IOException e) {
                throw new NetmapException(what + ": cannot update the list of persistent VALE interfaces in " + dir
                        + " (" + e + "). Check that the directory is writable (system property netmap4j.shm.dir)",
                        Errno.EIO, e);
            }
        }
    }
}
