using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Data.Sqlite;
using ObjectOS.Storage.Benchmarks.Infrastructure;
using ObjectOS.Storage.Sqlite;

namespace ObjectOS.Storage.Benchmarks.Sqlite;

/// <summary>
/// Deletes of existing keys with the durable default (synchronous FULL): raw autocommit <c>DELETE</c> against the
/// library with one caller and with 16 concurrent callers (whose deletes share transactions). Each iteration is one
/// invocation of <see cref="Operations"/> deletes; the iteration setup puts the rows back (unmeasured).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[InvocationCount(1, 1)]
public class SqliteDeleteBenchmarks
{
    private const int Operations = 400;

    private SqliteBenchmarkDatabase _database = null!;
    private string _path = null!;
    private string[] _keys = null!;
    private string[] _physicalKeys = null!;
    private RawSqliteWriter _rawWriter = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;
    private string _json = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _database = new SqliteBenchmarkDatabase();
        _path = _database.NewFilePath("delete");
        _keys = BenchmarkKeys.Keys(Operations);
        _physicalKeys = _keys.Select(k => BenchmarkKeys.ScopePrefix + k).ToArray();
        _json = BenchmarkJson.SerializeToString(BenchmarkDocument.Create(ValueSize.Small100B, 1));
        _rawWriter = new RawSqliteWriter(_path, SqliteSynchronousMode.Full);
        _plugin = await SqliteBenchmarkDatabase.OpenStorageAsync(_path, SqliteSynchronousMode.Full);
        _scoped = _plugin.GetScopedStorage(BenchmarkKeys.Scope);
    }

    [IterationSetup]
    public void Refill() => SqliteBenchmarkDatabase.Seed(_rawWriter.Connection, _physicalKeys.Select(key => (key, _json)));

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _rawWriter.Dispose();
        await _plugin.DisposeAsync();
        _database.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Delete-FULL")]
    public long Raw_Full_AutocommitDelete()
    {
        long removed = 0;
        foreach (var key in _physicalKeys)
        {
            removed += _rawWriter.Delete(key) ? 1 : 0;
        }

        return removed;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Delete-FULL")]
    public Task<long> Storage_Full_DeleteAsync_1Writer() => StorageDelete(1);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Delete-FULL")]
    public Task<long> Storage_Full_DeleteAsync_16Writers() => StorageDelete(16);

    private Task<long> StorageDelete(int writers) => Workers.DeleteEachAsync(_scoped, _keys, writers, Operations);
}

/// <summary>
/// Listing one plugin's 1,000 keys while <see cref="OtherKeys"/> rows belong to 100 other plugins. Baseline: the
/// raw primary-key range query (<c>key &gt;= 'bench:' AND key &lt; 'bench;'</c>); for context, the original
/// package's <c>LIKE 'bench:%'</c>, a full table scan. The target is the library staying within 2x from 10k to 1M.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SqliteKeysBenchmarks
{
    private const int ScopeKeys = 1_000;

    private SqliteBenchmarkDatabase _database = null!;
    private SqliteConnection _raw = null!;
    private SqliteCommand _rangeSelect = null!;
    private SqliteCommand _likeSelect = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.OtherKeyCounts))]
    public int OtherKeys { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _database = new SqliteBenchmarkDatabase();
        var path = _database.NewFilePath("keys");
        _raw = SqliteBenchmarkDatabase.OpenRawConnection(path, SqliteSynchronousMode.Full);
        SqliteBenchmarkDatabase.Seed(_raw, BenchmarkKeys.Keys(ScopeKeys).Select(k => (BenchmarkKeys.ScopePrefix + k, "1"))
            .Concat(Enumerable.Range(0, OtherKeys).Select(i => (BenchmarkKeys.OtherScope(i) + ":" + BenchmarkKeys.Key(i), "1"))));
        _rangeSelect = Prepare("SELECT key FROM storage WHERE key >= $lo AND key < $hi AND (expires_at IS NULL OR expires_at > $now) ORDER BY key");
        _rangeSelect.Parameters.AddWithValue("$lo", BenchmarkKeys.ScopePrefix);
        _rangeSelect.Parameters.AddWithValue("$hi", BenchmarkKeys.Scope + ";"); // ';' follows ':' in code-point order
        _likeSelect = Prepare("SELECT key FROM storage WHERE key LIKE $pattern AND (expires_at IS NULL OR expires_at > $now) ORDER BY key");
        _likeSelect.Parameters.AddWithValue("$pattern", BenchmarkKeys.ScopePrefix + "%");
        _plugin = await SqliteBenchmarkDatabase.OpenStorageAsync(path, SqliteSynchronousMode.Full);
        _scoped = _plugin.GetScopedStorage(BenchmarkKeys.Scope);
    }

    private SqliteCommand Prepare(string sql)
    {
        var command = _raw.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add("$now", SqliteType.Integer);
        return command;
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _rangeSelect.Dispose();
        _likeSelect.Dispose();
        _raw.Dispose();
        await _plugin.DisposeAsync();
        _database.Dispose();
    }

    private static int ReadKeys(SqliteCommand command)
    {
        command.Parameters["$now"].Value = SqliteBenchmarkDatabase.NowUnixMilliseconds;
        var keys = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(reader.GetString(0)[BenchmarkKeys.ScopePrefix.Length..]);
        }

        return keys.Count;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Keys")]
    public int Raw_PrimaryKeyRange() => ReadKeys(_rangeSelect);

    [Benchmark]
    [BenchmarkCategory("Keys")]
    public int Raw_LikePrefix_FullScan() => ReadKeys(_likeSelect);

    [Benchmark]
    [BenchmarkCategory("Keys")]
    public async Task<int> Storage_KeysAsync() => (await _scoped.KeysAsync()).Count;
}

/// <summary>
/// Clearing one plugin's scope of 10,000 rows while 100,000 rows belong to other plugins, synchronous FULL. Baseline:
/// one raw range <c>DELETE</c> in autocommit. Each iteration is one clear; the iteration setup refills the scope.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[InvocationCount(1, 1)]
public class SqliteClearBenchmarks
{
    private const int ScopeKeys = 10_000;
    private const int OtherKeys = 100_000;

    private SqliteBenchmarkDatabase _database = null!;
    private SqliteConnection _raw = null!;
    private SqliteCommand _rangeDelete = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;
    private (string Key, string Json)[] _scopeRows = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _database = new SqliteBenchmarkDatabase();
        var path = _database.NewFilePath("clear");
        _raw = SqliteBenchmarkDatabase.OpenRawConnection(path, SqliteSynchronousMode.Full);
        _scopeRows = BenchmarkKeys.Keys(ScopeKeys).Select(k => (BenchmarkKeys.ScopePrefix + k, "1")).ToArray();
        SqliteBenchmarkDatabase.Seed(_raw, Enumerable.Range(0, OtherKeys).Select(i => (BenchmarkKeys.OtherScope(i) + ":" + BenchmarkKeys.Key(i), "1")));
        _rangeDelete = _raw.CreateCommand();
        _rangeDelete.CommandText = "DELETE FROM storage WHERE key >= $lo AND key < $hi";
        _rangeDelete.Parameters.AddWithValue("$lo", BenchmarkKeys.ScopePrefix);
        _rangeDelete.Parameters.AddWithValue("$hi", BenchmarkKeys.Scope + ";");
        _rangeDelete.Prepare();
        _plugin = await SqliteBenchmarkDatabase.OpenStorageAsync(path, SqliteSynchronousMode.Full);
        _scoped = _plugin.GetScopedStorage(BenchmarkKeys.Scope);
    }

    [IterationSetup]
    public void Refill() => SqliteBenchmarkDatabase.Seed(_raw, _scopeRows);

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _rangeDelete.Dispose();
        _raw.Dispose();
        await _plugin.DisposeAsync();
        _database.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Clear-FULL")]
    public int Raw_RangeDelete() => _rangeDelete.ExecuteNonQuery();

    [Benchmark]
    [BenchmarkCategory("Clear-FULL")]
    public async Task<long> Storage_ClearAsync() => await _scoped.ClearAsync();
}
