using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using ObjectOS.Storage.Benchmarks.Infrastructure;
using StackExchange.Redis;

namespace ObjectOS.Storage.Benchmarks.Redis;

/// <summary>
/// Get and Set against a private redis-server on loopback. Baseline: raw StackExchange.Redis <c>StringGet</c> /
/// <c>StringSet</c> of the same JSON (one shared multiplexer, keys in the same layout); also
/// <see cref="RedisCache"/>, the <see cref="IDistributedCache"/> a .NET team would otherwise use, with the same JSON.
/// With 16 concurrent callers every client pipelines over its one connection. Times are per operation; with 16
/// callers they are the inverse of the throughput.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RedisPointBenchmarks
{
    private const int Operations = 256;
    private const int KeyCount = 1024;
    private static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(10);

    private RedisBenchmarkServer _server = null!;
    private IDatabase _database = null!;
    private RedisCache _redisCache = null!;
    private StoragePlugin _plugin = null!;
    private IScopedStorage _scoped = null!;
    private string[] _keys = null!;
    private RedisKey[] _rawKeys = null!;
    private string[] _cacheKeys = null!;
    private BenchmarkDocument[] _workerDocuments = null!;

    [ParamsSource(typeof(BenchmarkSettings), nameof(BenchmarkSettings.ValueSizes))]
    public ValueSize ValueSize { get; set; }

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
        _keys = BenchmarkKeys.Keys(KeyCount);
        _rawKeys = _keys.Select(k => (RedisKey)(_server.RawPrefix + BenchmarkKeys.ScopePrefix + k)).ToArray();
        _cacheKeys = _keys.Select(k => BenchmarkKeys.ScopePrefix + k).ToArray();
        _workerDocuments = Enumerable.Range(0, Concurrency).Select(w => BenchmarkDocument.Create(ValueSize, w)).ToArray();
        for (var i = 0; i < KeyCount; i++)
        {
            var json = BenchmarkJson.Serialize(BenchmarkDocument.Create(ValueSize, i));
            await _database.StringSetAsync(_rawKeys[i], json);
            await _redisCache.SetAsync(_cacheKeys[i], json, new DistributedCacheEntryOptions());
            await _scoped.SetBytesAsync(_keys[i], json);
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _redisCache.Dispose();
        await _plugin.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static int IndexOf(int operation) => (operation * 7919) & (KeyCount - 1);

    private BenchmarkDocument NextRevision(int worker)
    {
        var document = _workerDocuments[worker];
        document.Revision++;
        return document;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetHit")]
    public Task<long> Raw_StringGet_Deserialize() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            using var lease = await _database.StringGetLeaseAsync(_rawKeys[IndexOf(i)]);
            sum += BenchmarkJson.Deserialize(lease!.Span).Id;
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

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("GetHit")]
    public Task<long> RedisCache_GetAsync_Deserialize() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        long sum = 0;
        for (var i = first; i < first + count; i++)
        {
            sum += BenchmarkJson.Deserialize((await _redisCache.GetAsync(_cacheKeys[IndexOf(i)]))!).Id;
        }

        return sum;
    });

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set")]
    public Task<long> Raw_StringSet_Serialize() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        for (var i = first; i < first + count; i++)
        {
            await _database.StringSetAsync(_rawKeys[IndexOf(i)], BenchmarkJson.Serialize(NextRevision(worker)));
        }

        return count;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set")]
    public Task<long> Storage_SetAsync() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        for (var i = first; i < first + count; i++)
        {
            await _scoped.SetAsync(_keys[IndexOf(i)], NextRevision(worker));
        }

        return count;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Set")]
    public Task<long> RedisCache_SetAsync_Serialize() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        var options = new DistributedCacheEntryOptions();
        for (var i = first; i < first + count; i++)
        {
            await _redisCache.SetAsync(_cacheKeys[IndexOf(i)], BenchmarkJson.Serialize(NextRevision(worker)), options);
        }

        return count;
    });

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("SetWithTtl")]
    public Task<long> Raw_StringSet_WithExpiry() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        for (var i = first; i < first + count; i++)
        {
            await _database.StringSetAsync(_rawKeys[IndexOf(i)], BenchmarkJson.Serialize(NextRevision(worker)), TimeToLive);
        }

        return count;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("SetWithTtl")]
    public Task<long> Storage_SetAsync_WithTtl() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        for (var i = first; i < first + count; i++)
        {
            await _scoped.SetAsync(_keys[IndexOf(i)], NextRevision(worker), TimeToLive);
        }

        return count;
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("SetWithTtl")]
    public Task<long> RedisCache_SetAsync_WithExpiry() => Workers.RunAsync(Concurrency, Operations, async (worker, first, count) =>
    {
        var options = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeToLive };
        for (var i = first; i < first + count; i++)
        {
            await _redisCache.SetAsync(_cacheKeys[IndexOf(i)], BenchmarkJson.Serialize(NextRevision(worker)), options);
        }

        return count;
    });
}
