namespace ObjectOS.Storage.Sqlite;

/// <summary>
/// How hard SQLite syncs to disk on commit (<c>PRAGMA synchronous</c>). With WAL, <see cref="Full"/> makes every
/// acknowledged write survive power loss; <see cref="Normal"/> survives a process crash but may lose the last
/// commits on power loss.
/// </summary>
public enum SqliteSynchronousMode
{
    /// <summary>No syncing at all: fastest, but an OS crash or power loss can corrupt the file. Tests and scratch data only.</summary>
    Off = 0,

    /// <summary>Sync at checkpoints only (with WAL): a process crash loses nothing, a power loss may lose recent commits.</summary>
    Normal = 1,

    /// <summary>Sync the WAL on every commit: an acknowledged write survives power loss. The default.</summary>
    Full = 2,

    /// <summary>Like <see cref="Full"/>, and also syncs the directory after the journal changes.</summary>
    Extra = 3,
}

/// <summary>Settings of the <see cref="SqliteStorageBackend"/>. Every setter validates its value and throws on a bad one.</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>The default database file, relative to the current directory: <c>./data/storage.db</c>.</summary>
    public const string DefaultPath = "./data/storage.db";

    /// <summary>The default number of writes committed together in one transaction at most: 256.</summary>
    public const int DefaultMaxBatchSize = 256;

    /// <summary>The default number of expired rows the sweeper deletes per transaction: 1,000.</summary>
    public const int DefaultSweepBatchSize = 1_000;

    private string _path = DefaultPath;
    private TimeSpan _busyTimeout = TimeSpan.FromSeconds(5);
    private TimeSpan _sweepInterval = TimeSpan.FromMinutes(1);
    private int _sweepBatchSize = DefaultSweepBatchSize;
    private int _maxBatchSize = DefaultMaxBatchSize;
    private int _readerPoolSize = Math.Clamp(Environment.ProcessorCount * 2, 4, 32);
    private SqliteSynchronousMode _synchronous = SqliteSynchronousMode.Full;
    private TimeProvider _timeProvider = TimeProvider.System;

    /// <summary>
    /// The database file; default <c>./data/storage.db</c>. Missing directories are created and the file is
    /// created if absent. A file written by the Node.js ObjectOS storage plugin can be used as is.
    /// </summary>
    public string Path
    {
        get => _path;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Path));
            if (value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException("Path must not contain a NUL character.", nameof(value));
            }

            if (string.Equals(value.Trim(), ":memory:", StringComparison.OrdinalIgnoreCase) || value.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"Path must be a file path, not '{value}'; for a store that lives only in memory use MemoryStorageBackend.", nameof(value));
            }

            _path = value;
        }
    }

    /// <summary>
    /// Whether the file uses write-ahead logging (<c>PRAGMA journal_mode = WAL</c>); default <see langword="true"/>.
    /// WAL lets reads run in parallel with writes; without it readers and the writer block each other.
    /// </summary>
    public bool Wal { get; set; } = true;

    /// <summary>
    /// How hard each commit syncs to disk; default <see cref="SqliteSynchronousMode.Full"/>, so a write that
    /// completed survives power loss. <see cref="SqliteSynchronousMode.Normal"/> is an opt-in for speed.
    /// </summary>
    public SqliteSynchronousMode Synchronous
    {
        get => _synchronous;
        set => _synchronous = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Synchronous must be Off, Normal, Full or Extra.");
    }

    /// <summary>
    /// How long an operation waits for a lock held by another connection or process before it fails with
    /// <see cref="StorageUnavailableException"/>; default 5 seconds. Between 0 and 10 minutes.
    /// </summary>
    public TimeSpan BusyTimeout
    {
        get => _busyTimeout;
        set => _busyTimeout = value >= TimeSpan.Zero && value <= TimeSpan.FromMinutes(10)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "BusyTimeout must be between 0 and 10 minutes.");
    }

    /// <summary>
    /// How often the background sweeper purges expired rows; default one minute. Expired rows are never
    /// returned, listed or counted in between; the sweeper only reclaims their space.
    /// </summary>
    public TimeSpan SweepInterval
    {
        get => _sweepInterval;
        set => _sweepInterval = value > TimeSpan.Zero && value.TotalMilliseconds <= uint.MaxValue - 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "SweepInterval must be positive (and under 49 days).");
    }

    /// <summary>
    /// The most expired rows the sweeper deletes in one transaction; default 1,000, between 1 and 1,000,000. Larger
    /// backlogs are purged in several batches, with user writes committed in between.
    /// </summary>
    public int SweepBatchSize
    {
        get => _sweepBatchSize;
        set => _sweepBatchSize = value is > 0 and <= 1_000_000
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "SweepBatchSize must be between 1 and 1,000,000.");
    }

    /// <summary>
    /// Group commit: the most queued writes committed together in one transaction; default 256, between 1 and
    /// 100,000. 1 turns group commit off (one transaction per write).
    /// </summary>
    public int MaxBatchSize
    {
        get => _maxBatchSize;
        set => _maxBatchSize = value is > 0 and <= 100_000
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxBatchSize must be between 1 and 100,000.");
    }

    /// <summary>
    /// How many read connections are kept open, each with its prepared statements; default twice the processor
    /// count, between 4 and 32. More concurrent readers than this open short-lived extra connections.
    /// </summary>
    public int ReaderPoolSize
    {
        get => _readerPoolSize;
        set => _readerPoolSize = value is > 0 and <= 1_024
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "ReaderPoolSize must be between 1 and 1024.");
    }

    /// <summary>The clock that decides expiry (never SQLite's own); default <see cref="TimeProvider.System"/>. Tests pass a fake one.</summary>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        set => _timeProvider = value ?? throw new ArgumentNullException(nameof(value), "TimeProvider must not be null.");
    }
}
