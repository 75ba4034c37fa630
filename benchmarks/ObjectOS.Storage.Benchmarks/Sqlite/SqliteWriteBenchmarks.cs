using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ObjectOS.Storage.Benchmarks.Infrastructure;
using ObjectOS.Storage.Sqlite;

namespace ObjectOS.Storage.Benchmarks.Sqlite;

/// <summary>
/// Upserts of random existing keys (2,048 rows), each changing the stored value (the document's revision is bumped:
/// an identical upsert would be a no-op for SQLite, with no page write and no fsync). Times are per write, so
/// throughput is the inverse and a ratio of 0.2 means 5x the baseline's throughput.
/// Baselines, hand-written on Microsoft.Data.Sqlite (one connection, WAL, prepared upsert reused): autocommit (one
/// durable transaction per write) in the same synchronous mode, and, for reference, 100 upserts per transaction.
/// The library runs with one caller awaiting each write, and with 16 concurrent callers (group commit).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SqliteWriteBenchmarks
{
    private const int Operations = 400;
    private const int KeyCount = 2048;
    private const int BatchSize = 100;
    private const int ConcurrentWriters = 16;
    private static readonly TimeSpan TimeToLive = TimeSpan.FromHours(1);

    private SqliteBenchmarkDatabase _database = null!;
    private string[] _keys = null!;
    private string[] _physicalKeys = null!;
    private int[] _randomOrder = null!;
    private BenchmarkDocument[] _workerDocuments = null!;
    private RawSqliteWriter? _rawWriter;
    private StoragePlugin? _plugin;
    private IScopedStorage _scoped = null!;
    private long _invocation;

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.ValueSizes))]
    public ValueSize ValueSize { get; set; }

    private string CreateSeededFile(string name)
    {
        _database = new SqliteBenchmarkDatabase();
        _keys = BenchmarkKeys.Keys(KeyCount);
        _physicalKeys = _keys.Select(k => BenchmarkKeys.ScopePrefix + k).ToArray();
        _randomOrder = BenchmarkKeys.RandomOrder(KeyCount);
        _workerDocuments = Enumerable.Range(0, ConcurrentWriters).Select(w => BenchmarkDocument.Create(ValueSize, w)).ToArray();
        var path = _database.NewFilePath(name);
        using var seed = SqliteBenchmarkDatabase.OpenRawConnection(path, SqliteSynchronousMode.Normal);
        SqliteBenchmarkDatabase.Seed(seed, _physicalKeys.Select((key, i) =>
            (key, BenchmarkJson.SerializeToString(BenchmarkDocument.Create(ValueSize, i)))));
        return path;
    }

    [GlobalSetup(Targets = [nameof(Raw_Full_AutocommitUpsert), nameof(Raw_Full_Batched100PerTransaction), nameof(Raw_Full_AutocommitUpsert_WithExpiry)])]
    public void SetupRawFull() => _rawWriter = new RawSqliteWriter(CreateSeededFile("raw-full"), SqliteSynchronousMode.Full);

    [GlobalSetup(Targets = [nameof(Raw_Normal_AutocommitUpsert), nameof(Raw_Normal_Batched100PerTransaction)])]
    public void SetupRawNormal() => _rawWriter = new RawSqliteWriter(CreateSeededFile("raw-normal"), SqliteSynchronousMode.Normal);

    [GlobalSetup(Targets = [nameof(Storage_Full_SetAsync_1Writer), nameof(Storage_Full_SetAsync_16Writers),
        nameof(Storage_Full_SetAsync_WithTtl_1Writer), nameof(Storage_Full_SetAsync_WithTtl_16Writers)])]
    public async Task SetupStorageFull() => await OpenStorageAsync(CreateSeededFile("storage-full"), SqliteSynchronousMode.Full);

    [GlobalSetup(Targets = [nameof(Storage_Normal_SetAsync_1Writer), nameof(Storage_Normal_SetAsync_16Writers)])]
    public async Task SetupStorageNormal() => await OpenStorageAsync(CreateSeededFile("storage-normal"), SqliteSynchronousMode.Normal);

    private async Task OpenStorageAsync(string path, SqliteSynchronousMode synchronous)
    {
        _plugin = await SqliteBenchmarkDatabase.OpenStorageAsync(path, synchronous);
        _scoped = _plugin.GetScopedStorage(BenchmarkKeys.Scope);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _rawWriter?.Dispose();
        _rawWriter = null;
        if (_plugin is not null)
        {
            await _plugin.DisposeAsync();
            _plugin = null;
        }

        _database.Dispose();
    }

    /// <summary>The key of write number <paramref name="operation"/> of this invocation: a random existing row.</summary>
    private int IndexOf(long invocation, int operation) => _randomOrder[(int)((invocation * Operations + operation) % KeyCount)];

    private BenchmarkDocument NextRevision(int worker)
    {
        var document = _workerDocuments[worker];
        document.Revision++;
        return document;
    }

    private long RawAutocommit(long? expiresAt)
    {
        var invocation = _invocation++;
        for (var i = 0; i < Operations; i++)
        {
            _rawWriter!.Write(_physicalKeys[IndexOf(invocation, i)], BenchmarkJson.SerializeToString(NextRevision(0)), expiresAt);
        }

        return Operations;
    }

    private long RawBatched()
    {
        var invocation = _invocation++;
        for (var batch = 0; batch < Operations / BatchSize; batch++)
        {
            var transaction = _rawWriter!.BeginBatch();
            for (var i = batch * BatchSize; i < (batch + 1) * BatchSize; i++)
            {
                _rawWriter.Write(_physicalKeys[IndexOf(invocation, i)], BenchmarkJson.SerializeToString(NextRevision(0)));
            }

            _rawWriter.EndBatch(transaction);
        }

        return Operations;
    }

    private Task<long> StorageSet(int writers, TimeSpan? timeToLive)
    {
        var invocation = _invocation++;
        return Workers.RunAsync(writers, Operations, async (worker, first, count) =>
        {
            for (var i = first; i < first + count; i++)
            {
                await _scoped.SetAsync(_keys[IndexOf(invocation, i)], NextRevision(worker), timeToLive);
            }

            return count;
        });
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set-FULL")]
    public long Raw_Full_AutocommitUpsert() => RawAutocommit(null);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set-FULL")]
    public long Raw_Full_Batched100PerTransaction() => RawBatched();

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set-FULL")]
    public Task<long> Storage_Full_SetAsync_1Writer() => StorageSet(1, null);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set-FULL")]
    public Task<long> Storage_Full_SetAsync_16Writers() => StorageSet(ConcurrentWriters, null);

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("SetWithTtl-FULL")]
    public long Raw_Full_AutocommitUpsert_WithExpiry()
        => RawAutocommit(DateTimeOffset.UtcNow.Add(TimeToLive).ToUnixTimeMilliseconds());

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("SetWithTtl-FULL")]
    public Task<long> Storage_Full_SetAsync_WithTtl_1Writer() => StorageSet(1, TimeToLive);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("SetWithTtl-FULL")]
    public Task<long> Storage_Full_SetAsync_WithTtl_16Writers() => StorageSet(ConcurrentWriters, TimeToLive);

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set-NORMAL")]
    public long Raw_Normal_AutocommitUpsert() => RawAutocommit(null);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set-NORMAL")]
    public long Raw_Normal_Batched100PerTransaction() => RawBatched();

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set-NORMAL")]
    public Task<long> Storage_Normal_SetAsync_1Writer() => StorageSet(1, null);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set-NORMAL")]
    public Task<long> Storage_Normal_SetAsync_16Writers() => StorageSet(ConcurrentWriters, null);
}
