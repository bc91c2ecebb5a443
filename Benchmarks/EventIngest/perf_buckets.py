#!/usr/bin/env python3
"""Buckets a `perf script` dump of Nimbus by the innermost recognisable frame (run by hand).

Each sample counts once, for the first frame from the leaf up that matches a bucket below, so the
percentages add up to 100 and a bucket means "CPU spent in this layer itself or in what it calls that
no inner bucket claims".

    perf record -F 999 -g -p "$(pgrep -f 'nimbus serve')" -o perf.data -- sleep 5   # during a load
    perf script -i perf.data | swift demangle --simplified > perf.txt
    python3 Benchmarks/EventIngest/perf_buckets.py perf.txt
"""

import collections
import re
import sys

BUCKETS = [
    ("sqlite engine", r"sqlite3|sqlite_nio"),
    ("SQLKit/SQLite driver/Store", r"SQLiteLane|SQLiteHandle|SQLiteResultRow|SQLiteExecutor|SQLiteConnection|SQLKit|SQLSerializer|SQLQueryString|SQLiteData|SQLStore|SQL[A-Z][a-z]+Repository|SQLRow|SQLiteSQL|SQLBind|SQLiteStatement|SQLiteRow"),
    ("auth", r"ModeAuthenticator|Authenticator|CredentialCache"),
    ("metrics middleware", r"MetricsMiddleware|Prometheus"),
    ("logging", r"RequestLogMiddleware|Logger|LogHandler"),
    ("controller/body/JSON", r"ModeDevicesController|RequestFields|JSONParser|JSONValue|JSONEncoder"),
    ("ingest pipeline", r"GroupCommit|EventIngest|EventPublisher|EventUseCases|IngestObserver"),
    ("error/CORS middleware", r"DialectErrorMiddleware|ModeCORS|ModeRequireCredential"),
    ("router", r"TrieRouter|RouterResponder|Router"),
    ("HTTP parsing", r"HTTPDecoder|BetterHTTPParser|llhttp|HTTP1ToHTTPServerCodec"),
    ("HTTP encoding", r"HTTPResponseEncoder|HTTPEncoder|HTTPServerResponseEncoder"),
    ("connection guard", r"HTTPConnectionGuard|HTTPConnectionCounter"),
    ("socket write", r"writeToSocket|Socket\.write|flushNow|__libc_write|writev"),
    ("socket read", r"readFromSocket|Socket\.read"),
    ("epoll wait", r"_blockingWaitForWork|epoll_wait"),
    ("NIO async channel", r"NIOAsyncChannel|NIOAsyncSequenceProducer|NIOThrowingAsyncSequenceProducer|AsyncWriter"),
    ("Hummingbird core", r"HTTPChannelHandler|HummingbirdCore|Hummingbird"),
    ("NIO pipeline", r"ChannelHandlerContext|ChannelPipeline|SelectableEventLoop"),
    ("NIO thread pool", r"NIOThreadPool"),
    ("Swift concurrency runtime", r"swift_task|swift_job|swift::|_dispatch|swift_continuation"),
]


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    with open(sys.argv[1], encoding="utf-8", errors="replace") as dump:
        samples = dump.read().split("\n\n")
    for sample in samples:
        frames = [line for line in sample.split("\n")[1:] if line.strip()]
        if not frames:
            continue
        total += 1
        bucket = next((name for frame in frames for name, pattern in BUCKETS if re.search(pattern, frame)), "other")
        counts[bucket] += 1
    for name, count in counts.most_common():
        print(f"{name:28s} {100 * count / total:5.1f} %")
    print(f"{'samples':28s} {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
