using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ObjectOS.Storage.Benchmarks.Infrastructure;
using ObjectOS.Storage.Sqlite;

namespace ObjectOS.Storage.Benchmarks.Sqlite;

/// <summary>
/// Point reads from a SQLite file, against the hand-written best practice on Microsoft.Data.Sqlite: one connection
/// per concurrent caller, a prepared <c>SELECT</c> with the same expiry check, then System.Text.Json on the text.
/// Hits read 4,096 existing keys; misses read keys never stored. Times are per operation.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SqliteReadBenchmarks
{
    private const int Operations = 256;
    private const int KeyCount = 4096;

    private SqliteBenchmarkDatabase _database = null!;
    private string[] _keys = null!;
    private string[] _physicalKeys = null!;
    private string[] _missingKeys = null!;
    private string[] _physicalMissingKeys = null!;
    private RawSqliteReader[] _rawReaders = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.ValueSizes))]
    public ValueSize ValueSize { get; set; }

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.Concurrencies))]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _database = new SqliteBenchmarkDatabase();
        var path = _database.NewFilePath("read");
        _keys = BenchmarkKeys.Keys(KeyCount);
        _physicalKeys = _keys.Select(k => BenchmarkKeys.ScopePrefix + k).ToArray();
        _missingKeys = BenchmarkKeys.MissingKeys(KeyCount);
        _physicalMissingKeys = _missingKeys.Select(k => BenchmarkKeys.ScopePrefix + k).ToArray();
        using (var seed = SqliteBenchmarkDatabase.OpenRawConnection(path, SqliteSynchronousMode.Full))
        {
            SqliteBenchmarkDatabase.Seed(seed, _physicalKeys.Select((key, i) =>
                (key, BenchmarkJson.SerializeToString(BenchmarkDocument.Create(ValueSize, i)))));
        }

        _rawReaders = Enumerable.Range(0, Concurrency).Select(_ => new RawSqliteReader(path)).ToArray();
        _plugin = await SqliteBenchmarkDatabase.OpenStorageAsync(path, SqliteSynchronousMode.Full);
        _scoped = _plugin.GetScopedStorage(BenchmarkKeys.Scope);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _plugin.DisposeAsync();
        foreach (var reader in _rawReaders)
        {
            reader.Dispose();
        }

        _database.Dispose();
    }

    private static int IndexOf(int operation) => (operation * 7919) & (KeyCount - 1);

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetHit")]
    public Task<long> Raw_PreparedSelect_Deserialize() => Workers.Run(Concurrency, Operations, (worker, first, count) =>
    {
        var reader = _rawReaders[worker];
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            sum += BenchmarkJson.Deserialize(reader.Read(_physicalKeys[IndexOf(i)])!).Id;
        }

        return sum;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetHit")]
    public Task<long> Storage_GetAsync() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            sum += (await _scoped.GetAsync<BenchmarkDocument>(_keys[IndexOf(i)]))!.Id;
        }

        return sum;
    });

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetMiss")]
    public Task<long> Raw_PreparedSelect_Miss() => Workers.Run(Concurrency, Operations, (worker, first, count) =>
    {
        var reader = _rawReaders[worker];
        long found = 0;
        for (var i = first; i < first + count; i++)
        {
            found += reader.Read(_physicalMissingKeys[IndexOf(i)]) is null ? 0 : 1;
        }

        return found;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetMiss")]
    public Task<long> Storage_GetAsync_Miss() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        long found = 0;
        for (var i = first; i < first + count; i++)
        {
            found += await _scoped.GetAsync<BenchmarkDocument>(_missingKeys[IndexOf(i)]) is null ? 0 : 1;
        }

        return found;
    });
}
