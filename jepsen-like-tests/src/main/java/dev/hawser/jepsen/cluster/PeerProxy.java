package dev.hawser.jepsen.cluster;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import java.util.function.IntFunction;

/**
 * A fault-injecting TCP proxy in front of one member's peer (Raft) port. Every other member
 * reaches this member only through it, so the proxy sees each link i→j as the connections that
 * arrive from member i's process (identified through /proc by {@link SocketOwners}).
 *
 * <p>When the link between the caller and this member is cut, the proxy blackholes: it keeps the
 * connection open but silently discards every byte in both directions, like a network that drops
 * packets (gRPC sees timeouts, not resets). New connections on a cut link are accepted and
 * blackholed too. When links heal, blackholed connections are closed, because bytes were lost
 * mid-stream; the members reconnect.
 */
public final class PeerProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerProxy.class);

    private final String target;
    private final int listenPort;
    private final int targetPort;
    private final IntFunction<String> sourceOf;
    private final BiPredicate<String, String> cut;
    private final ServerSocket server;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private final class Link {
        final String source;
        final Socket in;
        final Socket out;
        volatile boolean blackholed;

        Link(String source, Socket in, Socket out) {
            this.source = source;
            this.in = in;
            this.out = out;
        }

        void close() {
            links.remove(this);
            closeQuietly(in);
            closeQuietly(out);
        }
    }

    /**
     * @param target     the member behind this proxy
     * @param sourceOf   maps the caller's local port (connected to {@code listenPort}) to a member name (null if unknown)
     * @param cut        whether the link (source, target) is currently cut
     */
    public PeerProxy(String target, int listenPort, int targetPort, IntFunction<String> sourceOf,
                     BiPredicate<String, String> cut) throws IOException {
        this.target = target;
        this.listenPort = listenPort;
        this.targetPort = targetPort;
        this.sourceOf = sourceOf;
        this.cut = cut;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
        Thread t = new Thread(this::acceptLoop, "proxy-" + target);
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return listenPort;
    }

    /** Re-evaluates every open connection after the set of cut links changed. */
    public synchronized void linksChanged() {
        for (Link l : links) {
            boolean shouldCut = l.source != null && cut.test(l.source, target);
            if (shouldCut) {
                l.blackholed = true;
            } else if (l.blackholed) {
                l.close();
            }
        }
    }

    /** Closes every connection (a member restarted and must reconnect). */
    public void dropAll() {
        links.forEach(Link::close);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket in = server.accept();
                // Identifying the caller (/proc scans) and connecting to the member can be slow on a
                // loaded machine: never hold up the next connection for it.
                Thread t = new Thread(() -> open(in), "proxy-" + target + "-open");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    LOG.debug("proxy {} accept failed: {}", target, e.toString());
                }
            }
        }
    }

    private void open(Socket in) {
        try {
            in.setTcpNoDelay(true);
            String source = sourceOf.apply(in.getPort());
            Socket out = new Socket();
            try {
                out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2_000);
                out.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(out);
                closeQuietly(in); // target down: refuse, as a dead host's port would
                return;
            }
            Link l = new Link(source, in, out);
            // Registered and evaluated under the same lock as linksChanged, so a cut or heal that
            // happens meanwhile is never missed (a link left blackholed after a heal never recovers).
            synchronized (this) {
                if (closed) {
                    l.close();
                    return;
                }
                links.add(l);
                l.blackholed = source != null && cut.test(source, target);
            }
            pump(l, in, out, source + "->" + target);
            pump(l, out, in, target + "->" + source);
        } catch (IOException e) {
            closeQuietly(in);
        }
    }

    private void pump(Link l, Socket from, Socket to, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (!l.blackholed) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // closed
            } finally {
                l.close();
            }
        }, "proxy " + name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // ignore
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        try {
            server.close();
        } catch (IOException e) {
            // ignore
        }
        dropAll();
    }
}
