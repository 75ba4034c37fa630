using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace ObjectOS.Storage.Sqlite;

/// <summary>
/// A durable backend in one SQLite file, in the layout of the original Node.js package so that both can share the
/// file. Writes go through one writer loop that commits concurrent writes together (group commit), each acknowledged
/// only after its transaction has committed; reads run in parallel on pooled connections (WAL); listing and
/// clearing walk the primary-key index range of the literal prefix; a background sweeper purges expired rows.
/// </summary>
/// <example>
/// <code>
/// var storage = new StoragePlugin(new SqliteStorageBackend(new SqliteStorageOptions { Path = "./data/storage.db", Wal = true }));
/// </code>
/// </example>
public sealed class SqliteStorageBackend : IStorageBackend
{
    private const int ListPageSize = 512;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private Runtime? _runtime;
    private volatile bool _disposed;

    /// <summary>Creates a backend on <c>./data/storage.db</c> with default options.</summary>
    public SqliteStorageBackend() : this(new SqliteStorageOptions()) { }

    /// <summary>Creates a backend with <paramref name="options"/>; nothing is opened until <see cref="InitializeAsync"/>.</summary>
    public SqliteStorageBackend(SqliteStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _time = options.TimeProvider;
    }

    /// <summary>The options the backend was created with; they are read when it initializes, later changes have no effect.</summary>
    public SqliteStorageOptions Options { get; }

    /// <inheritdoc />
    public string Name => "sqlite";

    /// <summary>The absolute path of the database file, known once the backend is initialized.</summary>
    public string? FilePath => _runtime?.Path;

    /// <summary>Write transactions committed so far and writes they held: group commit makes the first much smaller.</summary>
    internal (long Transactions, long Writes) WriterStatistics
        => _runtime is { } runtime ? (runtime.Writer.CommittedTransactions, runtime.Writer.CommittedWrites) : default;

    /// <summary>Everything opened by a successful initialization.</summary>
    private sealed class Runtime
    {
        public required string Path { get; init; }

        public required string JournalMode { get; init; }

        public required WriterConnection Writer { get; init; }

        public required ReaderPool Readers { get; init; }

        public required Channel<WriteOperation> Queue { get; init; }

        public required int MaxBatchSize { get; init; }

        public required int SweepBatchSize { get; init; }

        public required SqliteSynchronousMode Synchronous { get; init; }

        public Task WriterLoop { get; set; } = Task.CompletedTask;

        public ITimer? Sweeper { get; set; }

        public int SweepRunning;

        public int PendingWrites;

        public Exception? WriterFault;
    }

    /// <summary>
    /// Creates missing directories and the file, checks that an existing file is a SQLite database whose
    /// <c>storage</c> table has the expected shape, then enables WAL, creates the table and index and records the
    /// schema version, opens the connections and starts the writer loop and the sweeper.
    /// </summary>
    /// <exception cref="StorageConfigurationException">
    /// The path is unusable (read-only directory, no permission), the file is not a SQLite database, its
    /// <c>storage</c> table has another shape, or its schema version is newer than this library's. Nothing is changed on disk.
    /// </exception>
    public ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_runtime is null)
                {
                    var runtime = Open(cancellationToken);
                    runtime.WriterLoop = Task.Run(() => RunWriterAsync(runtime), CancellationToken.None);
                    runtime.Sweeper = _time.CreateTimer(static state => ((SqliteStorageBackend)state!).ScheduleSweep(), this,
                        Options.SweepInterval, Options.SweepInterval);
                    _runtime = runtime;
                }
            }

            return ValueTask.CompletedTask;
        }
        catch (Exception error)
        {
            return ValueTask.FromException(error);
        }
    }

    private Runtime Open(CancellationToken cancellationToken)
    {
        var path = System.IO.Path.GetFullPath(Options.Path);
        var schema = new SqliteSchema(path, Options);
        WriterConnection? writer = null;
        ReaderConnection? firstReader = null;
        try
        {
            var (connection, journalMode) = schema.OpenWriter(cancellationToken);
            writer = new WriterConnection(connection, path);
            var busyTimeout = Options.BusyTimeout;
            firstReader = OpenReader(path, busyTimeout, startup: true);
            var readers = new ReaderPool(Options.ReaderPoolSize, () => OpenReader(path, busyTimeout, startup: false));
            readers.Add(firstReader);
            return new Runtime
            {
                Path = path,
                JournalMode = journalMode,
                Writer = writer,
                Readers = readers,
                Queue = Channel.CreateUnbounded<WriteOperation>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false }),
                MaxBatchSize = Options.MaxBatchSize,
                SweepBatchSize = Options.SweepBatchSize,
                Synchronous = Options.Synchronous,
            };
        }
        catch (Exception error)
        {
            firstReader?.Dispose();
            writer?.Dispose();
            if (error is StorageConfigurationException or OperationCanceledException)
            {
                throw;
            }

            throw SqliteErrors.Startup(path, error);
        }
    }

    private static ReaderConnection OpenReader(string path, TimeSpan busyTimeout, bool startup)
    {
        SqliteConnection? connection = null;
        try
        {
            connection = SqliteSchema.OpenConnection(path, SqliteOpenMode.ReadWrite, busyTimeout);
            SqliteSchema.Execute(connection, "PRAGMA query_only = 1");
            return new ReaderConnection(connection, path);
        }
        catch (SqliteException error)
        {
            connection?.Dispose();
            if (startup)
            {
                throw SqliteErrors.Startup(path, error);
            }

            throw SqliteErrors.Runtime(error.SqliteErrorCode, null, path, "opening a read connection");
        }
    }

    private Runtime Ready
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var runtime = _runtime;
            if (runtime is null || _disposed)
            {
                ThrowNotReady();
            }

            return runtime!;
        }
    }

    private void ThrowNotReady()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        throw new InvalidOperationException("The SQLite storage backend is not initialized: call InitializeAsync first.");
    }

    /// <inheritdoc />
    public ValueTask<ReadOnlyMemory<byte>?> GetAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadOnlyMemory<byte>?>(cancellationToken);
        }

        try
        {
            return Get(Ready.Readers, key) is { } value
                ? new ValueTask<ReadOnlyMemory<byte>?>(value)
                : default;
        }
        catch (Exception error)
        {
            return ValueTask.FromException<ReadOnlyMemory<byte>?>(error);
        }
    }

    private byte[]? Get(ReaderPool pool, PhysicalKey key)
    {
        var reader = pool.Rent();
        var statement = reader.Get;
        try
        {
            statement.BindKey(1, key);
            if (!statement.Step("reading a key"))
            {
                return null;
            }

            if (!statement.IsNull(1) && !Expiry.IsLive(statement.GetInt64(1), Expiry.NowUnixTicks(_time)))
            {
                return null;
            }

            return statement.GetBytes(0).ToArray();
        }
        finally
        {
            statement.Reset();
            pool.Return(reader);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ExistsAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        try
        {
            return new ValueTask<bool>(ReadExpiry(key, out _));
        }
        catch (Exception error)
        {
            return ValueTask.FromException<bool>(error);
        }
    }

    /// <inheritdoc />
    public ValueTask<TimeSpan?> GetTimeToLiveAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TimeSpan?>(cancellationToken);
        }

        try
        {
            return new ValueTask<TimeSpan?>(ReadExpiry(key, out var remaining) ? remaining : null);
        }
        catch (Exception error)
        {
            return ValueTask.FromException<TimeSpan?>(error);
        }
    }

    // Whether the key is live, and its time left (infinite when it never expires).
    private bool ReadExpiry(PhysicalKey key, out TimeSpan remaining)
    {
        remaining = default;
        var pool = Ready.Readers;
        var reader = pool.Rent();
        var statement = reader.GetExpiry;
        try
        {
            statement.BindKey(1, key);
            if (!statement.Step("reading a key's expiry"))
            {
                return false;
            }

            if (statement.IsNull(0))
            {
                remaining = Timeout.InfiniteTimeSpan;
                return true;
            }

            var expiresAt = statement.GetInt64(0);
            var now = Expiry.NowUnixTicks(_time);
            if (!Expiry.IsLive(expiresAt, now))
            {
                return false;
            }

            remaining = Expiry.Remaining(expiresAt, now);
            return true;
        }
        finally
        {
            statement.Reset();
            pool.Return(reader);
        }
    }

    /// <inheritdoc />
    /// <remarks>Completes only after the transaction holding the write has committed (with the configured sync mode).</remarks>
    public ValueTask SetAsync(PhysicalKey key, byte[] value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            var runtime = Ready;
            long? expiresAt = timeToLive is { } ttl ? Expiry.ExpiresAtMs(Expiry.NowUnixTicks(_time), ttl) : null;
            var operation = new SetOperation(key, value, expiresAt, cancellationToken);
            Enqueue(runtime, operation);
            return new ValueTask(operation.Task);
        }
        catch (Exception error)
        {
            return ValueTask.FromException(error);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(PhysicalKey key, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        try
        {
            var operation = new DeleteOperation(key, _time, cancellationToken);
            Enqueue(Ready, operation);
            return new ValueTask<bool>(operation.Task);
        }
        catch (Exception error)
        {
            return ValueTask.FromException<bool>(error);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads pages of keys in key order from the primary-key index range <c>key &gt;= prefix AND key &lt; prefix+0xFF</c>,
    /// each page on a pooled connection that is given back before the page is yielded, so a slow consumer holds no
    /// read snapshot. Expired rows are skipped in SQL.
    /// </remarks>
    public async IAsyncEnumerable<string> ListKeysAsync(KeyQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var runtime = Ready;
        var range = KeyRange.ForPrefix(query.Prefix);
        var page = new List<string>(ListPageSize);
        byte[]? after = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            after = ReadPage(runtime.Readers, range, after, page);
            foreach (var key in page)
            {
                yield return key;
            }

            if (page.Count < ListPageSize)
            {
                break;
            }

            page.Clear();
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    // Reads one page of live keys after `after` (or from the range start); returns the last key's bytes.
    private byte[]? ReadPage(ReaderPool pool, KeyRange range, byte[]? after, List<string> page)
    {
        var reader = pool.Rent();
        var statement = after is null ? reader.ListFirstPage : reader.ListNextPage;
        try
        {
            statement.BindUtf8(1, after is null ? range.Lower : after);
            statement.BindUtf8(2, range.Upper);
            statement.BindInt64(3, Expiry.NowMs(Expiry.NowUnixTicks(_time)));
            statement.BindInt64(4, ListPageSize);
            var last = after;
            while (statement.Step("listing keys"))
            {
                page.Add(statement.GetString(0));
                if (page.Count == ListPageSize)
                {
                    last = statement.GetBytes(0).ToArray();
                }
            }

            return last;
        }
        finally
        {
            statement.Reset();
            pool.Return(reader);
        }
    }

    /// <inheritdoc />
    /// <remarks>Runs as one write in one transaction: atomic. A prefix-only query is one range <c>DELETE</c> on the primary-key index.</remarks>
    public ValueTask<long> DeleteKeysAsync(KeyQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<long>(cancellationToken);
        }

        try
        {
            var operation = new DeleteKeysOperation(query, _time, cancellationToken);
            Enqueue(Ready, operation);
            return new ValueTask<long>(operation.Task);
        }
        catch (Exception error)
        {
            return ValueTask.FromException<long>(error);
        }
    }

    /// <summary>
    /// Purges every expired row now, in batches of <see cref="SqliteStorageOptions.SweepBatchSize"/> through the
    /// writer (so it never races a fresh write); returns how many rows were removed. The sweeper calls this periodically.
    /// </summary>
    public async ValueTask<long> SweepExpiredAsync(CancellationToken cancellationToken = default)
    {
        var runtime = Ready;
        long total = 0;
        while (true)
        {
            var operation = new SweepOperation(runtime.SweepBatchSize, _time, completed: null, cancellationToken);
            Enqueue(runtime, operation);
            var removed = await operation.Task.ConfigureAwait(false);
            total += removed;
            if (removed < operation.BatchSize)
            {
                return total;
            }
        }
    }

    // Timer callback: queue one sweep batch unless a sweep is already running; a full batch queues the next one,
    // so a large backlog is purged in bounded transactions with user writes committed in between.
    private void ScheduleSweep()
    {
        var runtime = _runtime;
        if (runtime is null || _disposed || Interlocked.CompareExchange(ref runtime.SweepRunning, 1, 0) != 0)
        {
            return;
        }

        QueueSweepBatch(runtime);
    }

    private void QueueSweepBatch(Runtime runtime)
    {
        var batchSize = runtime.SweepBatchSize;
        var operation = new SweepOperation(batchSize, _time, removed =>
        {
            if (removed == batchSize && !_disposed)
            {
                QueueSweepBatch(runtime);
            }
            else
            {
                Volatile.Write(ref runtime.SweepRunning, 0);
            }
        }, CancellationToken.None);

        Interlocked.Increment(ref runtime.PendingWrites);
        if (!runtime.Queue.Writer.TryWrite(operation))
        {
            Interlocked.Decrement(ref runtime.PendingWrites);
            Volatile.Write(ref runtime.SweepRunning, 0);
        }
    }

    private void Enqueue(Runtime runtime, WriteOperation operation)
    {
        Interlocked.Increment(ref runtime.PendingWrites);
        if (!runtime.Queue.Writer.TryWrite(operation))
        {
            Interlocked.Decrement(ref runtime.PendingWrites);
            ObjectDisposedException.ThrowIf(_disposed, this);
            throw new StorageUnavailableException(
                $"SQLite storage '{runtime.Path}' cannot accept writes: its writer stopped.", runtime.WriterFault);
        }
    }

    // The single writer: takes every queued write (up to MaxBatchSize) and commits them in one transaction.
    // While it commits (fsync), new writes queue up and form the next batch, so no delay is ever added.
    private static async Task RunWriterAsync(Runtime runtime)
    {
        var queue = runtime.Queue.Reader;
        var maxBatchSize = runtime.MaxBatchSize;
        var batch = new List<WriteOperation>(maxBatchSize);
        try
        {
            while (await queue.WaitToReadAsync().ConfigureAwait(false))
            {
                while (batch.Count < maxBatchSize && queue.TryRead(out var operation))
                {
                    Interlocked.Decrement(ref runtime.PendingWrites);
                    if (operation.CancellationToken.IsCancellationRequested)
                    {
                        operation.Cancel();
                    }
                    else
                    {
                        batch.Add(operation);
                    }
                }

                if (batch.Count > 0)
                {
                    runtime.Writer.CommitBatch(batch);
                    batch.Clear();
                }
            }
        }
#pragma warning disable CA1031 // The loop must never die silently: every queued caller gets the error.
        catch (Exception error)
#pragma warning restore CA1031
        {
            runtime.WriterFault = error;
            runtime.Queue.Writer.TryComplete(error);
            var failure = new StorageUnavailableException($"SQLite storage '{runtime.Path}' stopped writing after an unexpected error.", error);
            foreach (var operation in batch)
            {
                operation.Fail(failure);
            }

            while (queue.TryRead(out var operation))
            {
                operation.Fail(failure);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Writes nothing a user could see: counts the rows on a reader connection and sends an empty write through the
    /// writer loop (which proves it runs and can take the write lock).
    /// </remarks>
    public async ValueTask<StorageHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        var runtime = _runtime;
        if (runtime is null || _disposed)
        {
            return new StorageHealth(false, _disposed ? "sqlite backend is disposed" : "sqlite backend is not initialized");
        }

        try
        {
            long rows;
            var reader = runtime.Readers.Rent();
            try
            {
                rows = reader.CountRows.Step("counting rows") ? reader.CountRows.GetInt64(0) : 0;
            }
            finally
            {
                reader.CountRows.Reset();
                runtime.Readers.Return(reader);
            }

            var probe = new ProbeOperation(cancellationToken);
            Enqueue(runtime, probe);
            await probe.Task.ConfigureAwait(false);

            var data = new Dictionary<string, object>
            {
                ["path"] = runtime.Path,
                ["rows"] = rows,
                ["journalMode"] = runtime.JournalMode,
                ["synchronous"] = runtime.Synchronous.ToString(),
                ["pendingWrites"] = Volatile.Read(ref runtime.PendingWrites),
            };
            return new StorageHealth(true, $"sqlite file '{runtime.Path}' holds {rows} rows ({runtime.JournalMode} journal)", data);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
#pragma warning disable CA1031 // A health probe reports failures instead of throwing them.
        catch (Exception error)
#pragma warning restore CA1031
        {
            return new StorageHealth(false, $"sqlite file '{runtime.Path}' is not usable: {error.Message}");
        }
    }

    /// <summary>
    /// Stops the sweeper, lets the writer commit every queued write, closes the reader connections, checkpoints the
    /// WAL into the database file (truncating it) and closes the writer: no file handle remains, the file can be
    /// deleted or copied right after.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Runtime? runtime;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            runtime = _runtime;
        }

        if (runtime is null)
        {
            return;
        }

        if (runtime.Sweeper is { } sweeper)
        {
            await sweeper.DisposeAsync().ConfigureAwait(false);
        }

        runtime.Queue.Writer.TryComplete();
        await runtime.WriterLoop.ConfigureAwait(false);
        await runtime.Readers.CloseAsync().ConfigureAwait(false);
        if (string.Equals(runtime.JournalMode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            runtime.Writer.Checkpoint();
        }

        runtime.Writer.Dispose();
    }
}
