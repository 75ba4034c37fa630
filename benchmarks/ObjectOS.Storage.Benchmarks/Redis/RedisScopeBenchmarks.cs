using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using ObjectOS.Storage.Benchmarks.Infrastructure;
using StackExchange.Redis;

namespace ObjectOS.Storage.Benchmarks.Redis;

/// <summary>
/// Reads of missing keys and deletes of existing keys, against raw StackExchange.Redis and <see cref="RedisCache"/>.
/// Deleting is destructive: each iteration is one invocation of <see cref="Operations"/> deletes, refilled
/// (unmeasured) by the iteration setup.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[InvocationCount(1, 1)]
public class RedisMissAndDeleteBenchmarks
{
    private const int Operations = 1024;

    private RedisBenchmarkServer _server = null!;
    private IDatabase _database = null!;
    private RedisCache _redisCache = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;
    private string[] _keys = null!;
    private RedisKey[] _rawKeys = null!;
    private string[] _missingKeys = null!;
    private RedisKey[] _rawMissingKeys = null!;
    private byte[] _json = null!;

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.Concurrencies))]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _server = await RedisBenchmarkServer.StartAsync();
        _database = _server.Database;
        _redisCache = _server.CreateRedisCache();
        _plugin = await _server.OpenStorageAsync();
        _scoped = _plugin.GetScopedStorage(BenchmarkKeys.Scope);
        _keys = BenchmarkKeys.Keys(Operations);
        _rawKeys = _keys.Select(k => (RedisKey)(_server.RawPrefix + BenchmarkKeys.ScopePrefix + k)).ToArray();
        _missingKeys = BenchmarkKeys.MissingKeys(Operations);
        _rawMissingKeys = _missingKeys.Select(k => (RedisKey)(_server.RawPrefix + BenchmarkKeys.ScopePrefix + k)).ToArray();
        _json = BenchmarkJson.Serialize(BenchmarkDocument.Create(ValueSize.Small100B, 1));
    }

    [IterationSetup(Target = nameof(Raw_KeyDelete))]
    public void RefillRaw() => Task.WhenAll(_rawKeys.Select(k => _database.StringSetAsync(k, _json))).GetAwaiter().GetResult();

    [IterationSetup(Target = nameof(Storage_DeleteAsync))]
    public void RefillStorage() => Task.WhenAll(_keys.Select(k => _scoped.SetBytesAsync(k, _json).AsTask())).GetAwaiter().GetResult();

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _redisCache.Dispose();
        await _plugin.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetMiss")]
    public Task<long> Raw_StringGet_Miss() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        long found = 0;
        for (var i = first; i < first + count; i++)
        {
            found += (await _database.StringGetAsync(_rawMissingKeys[i])).IsNull ? 0 : 1;
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
            found += await _scoped.GetAsync<BenchmarkDocument>(_missingKeys[i]) is null ? 0 : 1;
        }

        return found;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetMiss")]
    public Task<long> RedisCache_GetAsync_Miss() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        long found = 0;
        for (var i = first; i < first + count; i++)
        {
            found += await _redisCache.GetAsync(_missingKeys[i]) is null ? 0 : 1;
        }

        return found;
    });

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Delete")]
    public Task<long> Raw_KeyDelete() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        long removed = 0;
        for (var i = first; i < first + count; i++)
        {
            removed += await _database.KeyDeleteAsync(_rawKeys[i]) ? 1 : 0;
        }

        return removed;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Delete")]
    public Task<long> Storage_DeleteAsync() => Workers.DeleteEachAsync(_scoped, _keys, Concurrency, Operations);
}

/// <summary>
/// Listing one plugin's 1,000 keys while <see cref="OtherKeys"/> keys of 100 other plugins live in the same database.
/// Baseline: what a raw client does without an index, <c>SCAN MATCH &lt;prefix&gt;bench:*</c> over the whole keyspace.
/// The target is the library staying within 2x from 10k to 1M other keys.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RedisKeysBenchmarks
{
    private const int ScopeKeys = 1_000;

    private RedisBenchmarkServer _server = null!;
    private IServer _redis = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.OtherKeyCounts))]
    public int OtherKeys { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _server = await RedisBenchmarkServer.StartAsync();
        _redis = _server.Connection.GetServer(_server.Connection.GetEndPoints()[0]);
        _plugin = await _server.OpenStorageAsync();
        _scoped = _plugin.GetScopedStorage(BenchmarkKeys.Scope);
        var json = "1"u8.ToArray();
        await Task.WhenAll(BenchmarkKeys.Keys(ScopeKeys).Select(k => _scoped.SetBytesAsync(k, json).AsTask()));
        await Task.WhenAll(BenchmarkKeys.Keys(ScopeKeys).Select(k => _server.Database.StringSetAsync(_server.RawPrefix + BenchmarkKeys.ScopePrefix + k, json)));
        await _server.PopulateAsync(s => $"{_server.LibraryPrefix}{BenchmarkKeys.OtherScope(s)}:", scopes: 100, OtherKeys);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _plugin.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Keys")]
    public async Task<int> Raw_ScanMatch()
    {
        var prefixLength = (_server.RawPrefix + BenchmarkKeys.ScopePrefix).Length;
        var keys = new List<string>();
        await foreach (var key in _redis.KeysAsync(pattern: _server.RawPrefix + BenchmarkKeys.ScopePrefix + "*", pageSize: 1000))
        {
            keys.Add(((string)key!)[prefixLength..]);
        }

        keys.Sort(StringComparer.Ordinal);
        return keys.Count;
    }

    [Benchmark]
    [BenchmarkCategory("Keys")]
    public async Task<int> Storage_KeysAsync() => (await _scoped.KeysAsync()).Count;
}

/// <summary>
/// Clearing one plugin's scope of 10,000 keys while 100,000 keys of other plugins live in the same database.
/// Baseline: raw <c>SCAN MATCH</c> plus a <c>DEL</c> of each page. Each iteration is one clear, refilled (unmeasured)
/// by the iteration setup.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[InvocationCount(1, 1)]
public class RedisClearBenchmarks
{
    private const int ScopeKeys = 10_000;
    private const int OtherKeys = 100_000;

    private RedisBenchmarkServer _server = null!;
    private IServer _redis = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;
    private string[] _keys = null!;
    private byte[] _json = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _server = await RedisBenchmarkServer.StartAsync();
        _redis = _server.Connection.GetServer(_server.Connection.GetEndPoints()[0]);
        _plugin = await _server.OpenStorageAsync();
        _scoped = _plugin.GetScopedStorage(BenchmarkKeys.Scope);
        _keys = BenchmarkKeys.Keys(ScopeKeys);
        _json = "1"u8.ToArray();
        await _server.PopulateAsync(s => $"{_server.LibraryPrefix}{BenchmarkKeys.OtherScope(s)}:", scopes: 100, OtherKeys);
    }

    [IterationSetup(Target = nameof(Raw_ScanMatch_Delete))]
    public void RefillRaw()
        => Task.WhenAll(_keys.Select(k => _server.Database.StringSetAsync(_server.RawPrefix + BenchmarkKeys.ScopePrefix + k, _json))).GetAwaiter().GetResult();

    [IterationSetup(Target = nameof(Storage_ClearAsync))]
    public void RefillStorage() => Task.WhenAll(_keys.Select(k => _scoped.SetBytesAsync(k, _json).AsTask())).GetAwaiter().GetResult();

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _plugin.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Clear")]
    public async Task<long> Raw_ScanMatch_Delete()
    {
        long removed = 0;
        var page = new List<RedisKey>(1000);
        await foreach (var key in _redis.KeysAsync(pattern: _server.RawPrefix + BenchmarkKeys.ScopePrefix + "*", pageSize: 1000))
        {
            page.Add(key);
            if (page.Count == 1000)
            {
                removed += await _server.Database.KeyDeleteAsync(page.ToArray());
                page.Clear();
            }
        }

        if (page.Count > 0)
        {
            removed += await _server.Database.KeyDeleteAsync(page.ToArray());
        }

        return removed;
    }

    [Benchmark]
    [BenchmarkCategory("Clear")]
    public async Task<long> Storage_ClearAsync() => await _scoped.ClearAsync();
}
