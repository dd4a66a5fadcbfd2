// Fixture workload for pyrelay's JFR decoder tests: a few CPU-busy threads with distinct stacks,
// allocation inside and outside TLABs, and monitor/park contention. Plain classes (no lambdas) so
// the stacks are stable across runs.
import java.util.concurrent.locks.ReentrantLock;

public class Workload {
    static volatile long sink;
    static final Object MONITOR = new Object();
    static final ReentrantLock LOCK = new ReentrantLock();

    static long spin(long n) {
        long x = 17;
        for (long i = 0; i < n; i++) x = x * 31 + (i ^ (x >>> 7));
        return x;
    }

    static void alpha(long deadline) { while (System.nanoTime() < deadline) sink += spin(200_000); }

    static void beta(long deadline) { while (System.nanoTime() < deadline) sink += gamma(); }

    static long gamma() { return delta() + spin(50_000); }

    static long delta() { return spin(150_000); }

    static void allocate(long deadline) {
        Object[] keep = new Object[64];
        int i = 0;
        while (System.nanoTime() < deadline) {
            keep[i++ & 63] = new byte[(i % 7 == 0) ? 2 * 1024 * 1024 : 4096];
            sink += spin(20_000);
        }
        sink += keep.length;
    }

    static void holdMonitor(long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            synchronized (MONITOR) { Thread.sleep(15); }
            Thread.yield();
        }
    }

    static void holdLock(long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            LOCK.lock();
            try { Thread.sleep(15); } finally { LOCK.unlock(); }
            Thread.yield();
        }
    }

    static final class Task implements Runnable {
        final String kind;
        final long deadline;
        Task(String kind, long deadline) { this.kind = kind; this.deadline = deadline; }
        public void run() {
            try {
                switch (kind) {
                    case "alpha": alpha(deadline); break;
                    case "beta": beta(deadline); break;
                    case "alloc": allocate(deadline); break;
                    case "monitor": holdMonitor(deadline); break;
                    case "lock": holdLock(deadline); break;
                    default: throw new IllegalArgumentException(kind);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        long millis = args.length > 0 ? Long.parseLong(args[0]) : 2000;
        long deadline = System.nanoTime() + millis * 1_000_000L;
        String[] kinds = {"alpha", "beta", "alloc", "monitor", "monitor", "lock", "lock"};
        Thread[] threads = new Thread[kinds.length];
        for (int i = 0; i < kinds.length; i++) {
            threads[i] = new Thread(new Task(kinds[i], deadline), "workload-" + kinds[i] + "-" + i);
            threads[i].start();
        }
        for (Thread t : threads) t.join();
        System.out.println("sink=" + sink);
    }
}
